import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import messages
from accounts.models import AccountToken, TokenPurpose
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tokens import account_token_issue

pytestmark = pytest.mark.django_db

NEW = {"password": "new-Lighthouse-77", "passwordConfirm": "new-Lighthouse-77"}
LINK = re.compile(r"/api/auth/resetpassword/([A-Za-z0-9_\-]+)")


def forgot(client, email):
    return client.post("/api/auth/forgotpassword", {"email": email}, format="json")


def test_forgot_password_answers_the_same_whether_or_not_the_address_exists(api_client):
    UserFactory(email="me@example.com")

    known, unknown = forgot(api_client, "Me@example.com"), forgot(api_client, "ghost@example.com")

    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json() == {"status": "success", "message": messages.RESET_SENT}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_full_reset_flow_changes_password_and_revokes_refresh_tokens(api_client):
    user = UserFactory(email="me@example.com")
    old_session = APIClient().post("/api/auth/login", {"email": user.email, "password": PASSWORD}, format="json")
    forgot(api_client, user.email)
    token = LINK.search(mail.outbox[0].body).group(1)

    response = api_client.patch(f"/api/auth/resetpassword/{token}", NEW, format="json")

    assert response.status_code == 200
    assert response.json() == {"status": "success", "message": messages.PASSWORD_UPDATED}
    user.refresh_from_db()
    assert user.check_password(NEW["password"])
    refresh = APIClient().post("/api/auth/refresh", {"refresh": old_session.json()["refresh_token"]}, format="json")
    assert refresh.status_code == 401
    again = api_client.patch(f"/api/auth/resetpassword/{token}", NEW, format="json")
    assert again.status_code == 403
    assert again.json()["detail"] == messages.RESET_TOKEN_INVALID


def test_expired_reset_token_is_403_and_says_so(api_client, user):
    token = account_token_issue(user=user, purpose=TokenPurpose.RESET_PASSWORD, lifetime=dt.timedelta(minutes=30))
    AccountToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = api_client.patch(f"/api/auth/resetpassword/{token}", NEW, format="json")

    assert response.status_code == 403
    assert "expired" in response.json()["detail"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_verification_token_cannot_reset_a_password(api_client, user):
    token = account_token_issue(user=user, purpose=TokenPurpose.VERIFY_EMAIL, lifetime=dt.timedelta(minutes=30))
    assert api_client.patch(f"/api/auth/resetpassword/{token}", NEW, format="json").status_code == 403


def test_unknown_reset_token_is_403(api_client):
    assert api_client.patch("/api/auth/resetpassword/nope", NEW, format="json").status_code == 403


def test_mismatched_or_weak_new_password_is_400_and_keeps_the_token(api_client, user):
    token = account_token_issue(user=user, purpose=TokenPurpose.RESET_PASSWORD, lifetime=dt.timedelta(minutes=30))

    mismatch = api_client.patch(
        f"/api/auth/resetpassword/{token}", {**NEW, "passwordConfirm": "other-Value-99"}, format="json"
    )
    weak = api_client.patch(
        f"/api/auth/resetpassword/{token}", {"password": "12345678", "passwordConfirm": "12345678"}, format="json"
    )

    assert mismatch.status_code == weak.status_code == 400
    assert mismatch.json()["detail"] == messages.PASSWORDS_DO_NOT_MATCH
    assert "password" in weak.json()["errors"]
    assert api_client.patch(f"/api/auth/resetpassword/{token}", NEW, format="json").status_code == 200


def test_forgot_password_is_throttled(api_client):
    statuses = [forgot(api_client, "ghost@example.com").status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]


def test_a_password_changed_in_the_admin_revokes_the_api_refresh_tokens(client, api_client):
    from accounts.tests.factories import PASSWORD, ModeratorFactory

    moderator = ModeratorFactory()
    refresh = str(RefreshToken.for_user(moderator))
    client.force_login(moderator)

    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": "another-Secret-42", "new_password2": "another-Secret-42"},
    )

    assert response.status_code == 302
    assert api_client.post("/api/auth/refresh", {"refresh": refresh}, format="json").status_code == 401


def test_changepassword_command_revokes_the_api_refresh_tokens(api_client, user):
    refresh = str(RefreshToken.for_user(user))
    user.set_password("another-Secret-42")
    user.save()  # what `manage.py changepassword` does

    assert api_client.post("/api/auth/refresh", {"refresh": refresh}, format="json").status_code == 401


@pytest.mark.parametrize("host", ["localhost:6666", "127.0.0.1:1", "localhost"])
def test_reset_links_never_follow_the_host_header(api_client, user, host, settings):
    settings.PUBLIC_URL = "https://api.example.com"

    response = api_client.post("/api/auth/forgotpassword", {"email": user.email}, format="json", HTTP_HOST=host)

    assert response.status_code == 200
    body = mail.outbox[-1].body
    assert "https://api.example.com/api/auth/resetpassword/" in body
    assert host not in body
