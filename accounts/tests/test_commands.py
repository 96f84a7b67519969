import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AccountToken, Role, TokenPurpose, User
from accounts.tokens import account_token_issue, hash_token

pytestmark = pytest.mark.django_db


def test_flushexpiredaccounttokens_deletes_expired_and_used_tokens_only(user):
    lifetime = dt.timedelta(minutes=30)
    account_token_issue(user=user, purpose=TokenPurpose.VERIFY_EMAIL, lifetime=lifetime)
    account_token_issue(user=user, purpose=TokenPurpose.RESET_PASSWORD, lifetime=lifetime)
    live = account_token_issue(user=user, purpose=TokenPurpose.RESET_PASSWORD, lifetime=lifetime)
    AccountToken.objects.filter(purpose=TokenPurpose.VERIFY_EMAIL).update(expires_at=timezone.now())
    AccountToken.objects.create(
        user=user,
        purpose=TokenPurpose.VERIFY_EMAIL,
        token_hash="0" * 64,
        expires_at=timezone.now() + lifetime,
        used_at=timezone.now(),
    )
    out = StringIO()

    call_command("flushexpiredaccounttokens", stdout=out)

    assert "Deleted 2 expired or used account tokens." in out.getvalue()
    assert list(AccountToken.objects.values_list("token_hash", flat=True)) == [hash_token(live)]


def test_createsuperuser_makes_a_verified_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "root-Password-77")

    call_command("createsuperuser", interactive=False, email="Root@Example.com", name="Root", stdout=StringIO())

    root = User.objects.get(email="root@example.com")
    assert (root.role, root.verified, root.is_staff, root.is_superuser) == (Role.ADMIN, True, True, True)
    assert root.check_password("root-Password-77")
