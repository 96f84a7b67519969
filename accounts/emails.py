"""HTML emails with a plain-text part, rendered from templates/accounts/email/."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from accounts.models import User

logger = logging.getLogger(__name__)


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
    if settings.DEBUG:
        # In development the email is a long MIME dump in the console: the link, on one line.
        logger.info("%s for %s: %s", subject, user.email, link)


def send_verification_email(*, user: User, link: str) -> None:
    send_templated_email(user=user, template="verification", subject="Verify your email address", link=link)


def send_password_reset_email(*, user: User, link: str) -> None:
    send_templated_email(user=user, template="password_reset", subject="Reset your password", link=link)
