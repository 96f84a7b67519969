"""Emailed single-use tokens (API.md: at least 80 random bits, stored only as a SHA-256 hash)."""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from accounts.models import AccountToken, TokenPurpose, User

TOKEN_BYTES = 32  # 256 random bits


def hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def account_token_issue(*, user: User, purpose: TokenPurpose, lifetime: timedelta) -> str:
    """Create a token for ``user`` and return it in clear; earlier unused ones of that purpose stop working."""
    AccountToken.objects.filter(user=user, purpose=purpose, used_at__isnull=True).delete()
    raw_token = secrets.token_urlsafe(TOKEN_BYTES)
    AccountToken.objects.create(
        user=user, purpose=purpose, token_hash=hash_token(raw_token), expires_at=timezone.now() + lifetime
    )
    return raw_token


def account_token_find(*, raw_token: str, purpose: TokenPurpose) -> AccountToken | None:
    """The unused token of that purpose, locked for the calling transaction; None when unknown or used."""
    return (
        AccountToken.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=hash_token(raw_token), purpose=purpose, used_at__isnull=True)
        .first()
    )
