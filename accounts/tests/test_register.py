import re
import threading

import pytest
from django.core import mail
from django.db import connection

from accounts import messages
from accounts.models import AccountToken, Role, TokenPurpose, User
from accounts.tests.factories import UserFactory
from accounts.tokens import hash_token

pytestmark = pytest.mark.django_db

BODY = {
    "name": "Jane Doe",
    "email": "Jane@Example.com",
    "password": "tulip-Orchard-42",
    "passwordConfirm": "tulip-Orchard-42",
}
LINK = re.compile(r"https?://\S+/api/auth/verifyemail/([A-Za-z0-9_\-]+)")


def register(client, **overrides):
    return client.post("/api/auth/register", {**BODY, **overrides}, format="json")


def test_register_creates_unverified_user_and_sends_html_email(api_client):
    response = register(api_client)

    assert response.status_code == 201
    assert response.json() == {"status": "success", "message": messages.REGISTERED}
    user = User.objects.get()
    assert (user.email, user.name, user.role, user.verified) == ("jane@example.com", "Jane Doe", Role.USER, False)
    assert user.password.startswith("argon2$")
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["jane@example.com"]
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    token = LINK.search(email.body).group(1)
    assert token in html
    assert len(token) >= 16  # >= 80 bits, url-safe base64
    stored = AccountToken.objects.get()
    assert stored.token_hash == hash_token(token) != token
    assert stored.purpose == TokenPurpose.VERIFY_EMAIL


def test_register_ignores_privileged_fields(api_client):
    response = register(
        api_client, role="admin", verified=True, is_staff=True, id="00000000-0000-0000-0000-000000000001"
    )

    assert response.status_code == 201
    user = User.objects.get()
    assert (user.role, user.verified, user.is_staff) == (Role.USER, False, False)
    assert str(user.id) != "00000000-0000-0000-0000-000000000001"


@pytest.mark.parametrize("email", ["jane@example.com", "JANE@EXAMPLE.COM", " jane@example.com "])
def test_register_existing_email_is_409_case_insensitively(api_client, email):
    UserFactory(email="jane@example.com")

    response = register(api_client, email=email)

    assert response.status_code == 409
    assert response.json() == {"status": "fail", "detail": messages.ACCOUNT_EXISTS}
    assert User.objects.count() == 1
    assert mail.outbox == []


def test_password_mismatch_is_400(api_client):
    response = register(api_client, passwordConfirm="something-else-42")

    assert response.status_code == 400
    assert response.json()["detail"] == messages.PASSWORDS_DO_NOT_MATCH
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "password",
    ["short1!", "12345678901", "password123", "jane@example.com", "JaneDoe12"],
    ids=["too-short", "numeric", "common", "same-as-email", "similar-to-name"],
)
def test_weak_password_is_400(api_client, password):
    response = register(api_client, password=password, passwordConfirm=password)

    assert response.status_code == 400
    assert "password" in response.json()["errors"]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "field,value", [("email", "not-an-email"), ("name", ""), ("name", "   "), ("name", "x" * 101), ("email", None)]
)
def test_bad_fields_are_400(api_client, field, value):
    response = register(api_client, **{field: value})

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not User.objects.exists()


def test_smtp_failure_is_503_and_keeps_the_account_for_resend(api_client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2

    response = register(api_client)

    assert response.status_code == 503
    assert response.json() == {"status": "error", "detail": messages.EMAIL_SEND_FAILED}
    user = User.objects.get()
    assert user.verified is False
    assert user.has_usable_password()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = api_client.post("/api/auth/verifyemail/resend", {"email": BODY["email"]}, format="json")
    assert response.status_code == 200
    token = LINK.search(mail.outbox[-1].body).group(1)
    assert api_client.get(f"/api/auth/verifyemail/{token}").status_code == 200
    user.refresh_from_db()
    assert user.verified


def test_verification_link_uses_configured_front_end_url(api_client, settings):
    settings.VERIFICATION_URL = "http://localhost:3000/verifyemail/{token}"
    register(api_client)
    assert re.search(r"http://localhost:3000/verifyemail/[A-Za-z0-9_\-]+\s", mail.outbox[0].body)


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_with_one_email_create_one_account():
    from rest_framework.test import APIClient

    results = []
    barrier = threading.Barrier(4)

    def attempt(i):
        barrier.wait()
        try:
            results.append(register(APIClient(REMOTE_ADDR=f"10.0.0.{i}"), email="RACE@example.com").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [201, 409, 409, 409]
    assert User.objects.filter(email="race@example.com").count() == 1


def test_plain_text_email_shows_the_name_as_typed(api_client):
    register(api_client, name="Ann <b>& co</b>")
    assert "the account named “Ann <b>& co</b>”" in mail.outbox[0].body
    assert "the account named “Ann &lt;b&gt;&amp; co&lt;/b&gt;”" in mail.outbox[0].alternatives[0][0]


def test_emails_to_unverified_addresses_start_neutrally_not_with_the_chosen_name(api_client):
    register(api_client, name="Security team: your account is locked")

    body = mail.outbox[0].body
    assert body.startswith("Hello,")
    assert body.index("Security team") > body.index("/api/auth/verifyemail/")


@pytest.mark.parametrize("name", ["Go to https://evil.example/unlock", "www.evil.example", "evil.example/unlock now"])
def test_names_that_read_as_web_addresses_are_refused(api_client, name):
    response = register(api_client, name=name)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name"]
