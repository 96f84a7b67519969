"""The account workflows called directly (no HTTP), asserted at the database.

The HTTP tests (test_register.py, test_refresh_logout.py, test_password_reset.py) cover
statuses and envelopes; these pin down what each service function writes, and what it
leaves alone when it fails.
"""

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied, ValidationError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import messages, services
from accounts.exceptions import Conflict, EmailDeliveryFailed
from accounts.models import AccountToken, TokenPurpose, User
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tokens import account_token_issue, hash_token

pytestmark = pytest.mark.django_db

LINK_TEMPLATE = "https://front.example/verify/{token}"
NEW_PASSWORD = "new-Lighthouse-77"


def is_blacklisted(token: RefreshToken) -> bool:
    return BlacklistedToken.objects.filter(token__jti=token["jti"]).exists()


# tokens_refresh


def test_tokens_refresh_blacklists_the_old_token_and_mints_a_new_one_for_the_same_user(user):
    old = RefreshToken.for_user(user)

    new = services.tokens_refresh(raw_refresh=str(old))

    assert new["sub"] == str(user.id)
    assert new["jti"] != old["jti"]
    assert is_blacklisted(old)
    assert OutstandingToken.objects.filter(jti=new["jti"], user=user).exists()
    assert not is_blacklisted(new)


def test_tokens_refresh_refuses_a_reused_token_and_keeps_the_pair_it_already_issued(user):
    old = str(RefreshToken.for_user(user))
    first = services.tokens_refresh(raw_refresh=old)
    outstanding = OutstandingToken.objects.count()

    with pytest.raises(AuthenticationFailed) as refused:
        services.tokens_refresh(raw_refresh=old)

    assert refused.value.detail == messages.REFRESH_INVALID
    assert OutstandingToken.objects.count() == outstanding  # nothing minted
    assert BlacklistedToken.objects.count() == 1
    # No reuse detection: the successor of the reused token is not revoked and still rotates.
    assert not is_blacklisted(first)
    services.tokens_refresh(raw_refresh=str(first))


@pytest.mark.parametrize("raw", ["garbage", "a.b.c"])
def test_tokens_refresh_refuses_a_malformed_token_and_writes_nothing(raw):
    with pytest.raises(AuthenticationFailed) as refused:
        services.tokens_refresh(raw_refresh=raw)

    assert refused.value.detail == messages.REFRESH_INVALID
    assert not OutstandingToken.objects.exists()
    assert not BlacklistedToken.objects.exists()


def test_tokens_refresh_refuses_an_access_token(user):
    with pytest.raises(AuthenticationFailed):
        services.tokens_refresh(raw_refresh=str(RefreshToken.for_user(user).access_token))
    assert not BlacklistedToken.objects.exists()


def test_tokens_refresh_of_a_deactivated_user_refuses_without_blacklisting(user):
    token = RefreshToken.for_user(user)
    user.is_active = False
    user.save()

    with pytest.raises(AuthenticationFailed):
        services.tokens_refresh(raw_refresh=str(token))

    assert not is_blacklisted(token)
    assert OutstandingToken.objects.count() == 1


def test_tokens_refresh_of_a_deleted_user_refuses(user):
    token = str(RefreshToken.for_user(user))
    user.delete()

    with pytest.raises(AuthenticationFailed) as refused:
        services.tokens_refresh(raw_refresh=token)

    assert refused.value.detail == messages.REFRESH_INVALID


# password_reset


def reset_token(user, *, lifetime=dt.timedelta(minutes=30)) -> str:
    return account_token_issue(user=user, purpose=TokenPurpose.RESET_PASSWORD, lifetime=lifetime)


def test_password_reset_sets_the_password_uses_the_token_and_revokes_every_refresh_token(user):
    sessions = [RefreshToken.for_user(user) for _ in range(2)]
    raw = reset_token(user)

    returned = services.password_reset(raw_token=raw, password=NEW_PASSWORD)

    assert returned == user
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AccountToken.objects.get(token_hash=hash_token(raw)).used_at is not None
    assert all(is_blacklisted(session) for session in sessions)


def test_password_reset_with_a_used_token_refuses_and_keeps_the_password(user):
    raw = reset_token(user)
    services.password_reset(raw_token=raw, password=NEW_PASSWORD)

    with pytest.raises(PermissionDenied) as refused:
        services.password_reset(raw_token=raw, password="another-Secret-42")

    assert refused.value.detail == messages.RESET_TOKEN_INVALID
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_reset_with_an_expired_token_changes_nothing(user):
    session = RefreshToken.for_user(user)
    raw = reset_token(user)
    AccountToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    with pytest.raises(PermissionDenied) as refused:
        services.password_reset(raw_token=raw, password=NEW_PASSWORD)

    assert refused.value.detail == messages.RESET_TOKEN_EXPIRED
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert AccountToken.objects.get().used_at is None
    assert not is_blacklisted(session)


def test_password_reset_refuses_a_verification_token(user):
    raw = account_token_issue(user=user, purpose=TokenPurpose.VERIFY_EMAIL, lifetime=dt.timedelta(minutes=30))

    with pytest.raises(PermissionDenied) as refused:
        services.password_reset(raw_token=raw, password=NEW_PASSWORD)

    assert refused.value.detail == messages.RESET_TOKEN_INVALID
    assert AccountToken.objects.get().used_at is None


def test_password_reset_with_a_weak_password_rolls_back_and_keeps_the_token(user):
    session = RefreshToken.for_user(user)
    raw = reset_token(user)

    with pytest.raises(ValidationError) as refused:
        services.password_reset(raw_token=raw, password="12345678")

    assert "password" in refused.value.detail
    assert AccountToken.objects.get().used_at is None  # the token's update was rolled back
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not is_blacklisted(session)


# user_register


def register(**overrides) -> User:
    fields = {"name": "Jane Doe", "email": " Jane@Example.com", "password": "tulip-Orchard-42"}
    return services.user_register(**{**fields, **overrides}, link_template=LINK_TEMPLATE)


def test_user_register_creates_an_unverified_account_and_emails_its_token():
    user = register(photo="https://example.com/jane.png")

    stored = User.objects.get()
    assert stored == user
    assert (stored.email, stored.name, stored.photo, stored.verified) == (
        "jane@example.com",
        "Jane Doe",
        "https://example.com/jane.png",
        False,
    )
    assert stored.check_password("tulip-Orchard-42")
    (message,) = mail.outbox
    assert message.to == ["jane@example.com"]
    raw = message.body.split("https://front.example/verify/", 1)[1].split()[0]
    token = AccountToken.objects.get()
    assert (token.user, token.purpose, token.token_hash, token.used_at) == (
        stored,
        TokenPurpose.VERIFY_EMAIL,
        hash_token(raw),
        None,
    )


def test_user_register_of_an_existing_email_raises_conflict_and_writes_nothing():
    existing = UserFactory(email="jane@example.com")

    with pytest.raises(Conflict) as refused:
        register(email="JANE@example.com")

    assert refused.value.detail == messages.ACCOUNT_EXISTS
    assert list(User.objects.all()) == [existing]
    assert not AccountToken.objects.exists()
    assert mail.outbox == []


def test_user_register_that_loses_the_race_at_the_unique_constraint_raises_conflict():
    UserFactory(email="jane@example.com")

    # The "already exists?" check saw nothing (a concurrent registration had not committed yet).
    with mock.patch.object(QuerySet, "exists", return_value=False), pytest.raises(Conflict) as refused:
        register()

    assert refused.value.detail == messages.ACCOUNT_EXISTS
    assert User.objects.count() == 1  # the outer transaction is still usable: only the savepoint rolled back
    assert not AccountToken.objects.exists()


def test_user_register_email_failure_raises_and_keeps_the_account_and_its_token():
    with (
        mock.patch("accounts.services.send_verification_email", side_effect=ConnectionRefusedError),
        pytest.raises(EmailDeliveryFailed) as refused,
    ):
        register()

    assert refused.value.detail == messages.EMAIL_SEND_FAILED
    user = User.objects.get()
    assert user.verified is False
    assert AccountToken.objects.filter(user=user, purpose=TokenPurpose.VERIFY_EMAIL, used_at=None).count() == 1
