import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from accounts import messages
from accounts.models import AccountToken, TokenPurpose
from accounts.tests.factories import UserFactory
from accounts.tokens import account_token_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def unverified(db):
    return UserFactory(verified=False, email="new@example.com")


def issue(user, purpose=TokenPurpose.VERIFY_EMAIL, minutes=60):
    return account_token_issue(user=user, purpose=purpose, lifetime=dt.timedelta(minutes=minutes))


def test_verify_marks_user_verified_once(api_client, unverified):
    token = issue(unverified)

    response = api_client.get(f"/api/auth/verifyemail/{token}")

    assert response.status_code == 200
    assert response.json() == {"status": "success", "message": messages.VERIFIED}
    unverified.refresh_from_db()
    assert unverified.verified
    again = api_client.get(f"/api/auth/verifyemail/{token}/")
    assert again.status_code == 403
    assert again.json() == {"status": "fail", "detail": messages.VERIFY_TOKEN_INVALID}


def test_unknown_token_is_403(api_client):
    response = api_client.get("/api/auth/verifyemail/nonsense")
    assert response.status_code == 403
    assert response.json()["detail"] == messages.VERIFY_TOKEN_INVALID


def test_expired_token_is_403_and_says_so(api_client, unverified):
    token = issue(unverified)
    AccountToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = api_client.get(f"/api/auth/verifyemail/{token}")

    assert response.status_code == 403
    assert "expired" in response.json()["detail"]
    unverified.refresh_from_db()
    assert not unverified.verified


def test_reset_token_does_not_verify_email(api_client, unverified):
    token = issue(unverified, purpose=TokenPurpose.RESET_PASSWORD)
    assert api_client.get(f"/api/auth/verifyemail/{token}").status_code == 403
    unverified.refresh_from_db()
    assert not unverified.verified


def test_resend_answers_the_same_for_unknown_and_known_addresses(api_client, unverified):
    known = api_client.post("/api/auth/verifyemail/resend", {"email": "NEW@example.com"}, format="json")
    unknown = api_client.post("/api/auth/verifyemail/resend", {"email": "ghost@example.com"}, format="json")

    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json() == {"status": "success", "message": messages.VERIFICATION_RESENT}
    assert [m.to for m in mail.outbox] == [["new@example.com"]]


def test_resend_invalidates_the_previous_link(api_client, unverified):
    old = issue(unverified)
    api_client.post("/api/auth/verifyemail/resend", {"email": unverified.email}, format="json")
    assert api_client.get(f"/api/auth/verifyemail/{old}").status_code == 403


def test_resend_is_throttled(api_client, unverified, settings):
    statuses = [
        api_client.post("/api/auth/verifyemail/resend", {"email": "x@example.com"}, format="json").status_code
        for _ in range(11)
    ]
    assert statuses == [200] * 10 + [429]
