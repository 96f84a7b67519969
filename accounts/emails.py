"""HTML emails with a plain-text part, rendered from templates/accounts/email/."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from accounts.models import User


def send_templated_email(*, user: User, template: str, subject: str, link: str) -> None:
    """Send ``template``.txt and .html to ``user``; raises on SMTP failure."""
    context = {"user": user, "link": link, "subject": subject}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"accounts/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.attach_alternative(render_to_string(f"accounts/email/{template}.html", context), "text/html")
    message.send()


def send_verification_email(*, user: User, link: str) -> None:
    send_templated_email(user=user, template="verification", subject="Verify your email address", link=link)


def send_password_reset_email(*, user: User, link: str) -> None:
    send_templated_email(user=user, template="password_reset", subject="Reset your password", link=link)
