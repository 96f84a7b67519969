"""Registration through a real SMTP socket, then the link in the delivered message."""

import re

import pytest

from accounts.models import User
from accounts.tests.smtp_server import SMTPServer

pytestmark = pytest.mark.django_db


def test_verification_email_goes_through_smtp_and_its_link_verifies(api_client, settings):
    with SMTPServer() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.DEFAULT_FROM_EMAIL = "Blog <blog@example.com>"

        response = api_client.post(
            "/api/auth/register",
            {
                "name": "Sam",
                "email": "sam@example.com",
                "password": "quiet-Meadow-31",
                "passwordConfirm": "quiet-Meadow-31",
            },
            format="json",
        )

    assert response.status_code == 201
    [message] = smtp.messages
    assert message["To"] == "sam@example.com"
    assert message["From"] == "Blog <blog@example.com>"
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    link = re.search(rf'href="({re.escape(settings.PUBLIC_URL)}/api/auth/verifyemail/[^"]+)"', html).group(1)
    assert link in text

    assert api_client.get(link.removeprefix(settings.PUBLIC_URL)).status_code == 200
    assert User.objects.get(email="sam@example.com").verified
