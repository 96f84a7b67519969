"""Account workflows with side effects (API.md, Accounts): each one plain function, one transaction."""

import logging

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import update_last_login
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied, ValidationError
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import messages
from accounts.emails import send_password_reset_email, send_verification_email
from accounts.exceptions import BadRequest, Conflict, EmailDeliveryFailed
from accounts.models import AccountToken, TokenPurpose, User
from accounts.tokens import account_token_find, account_token_issue

logger = logging.getLogger(__name__)


def validate_password_strength(password: str, *, user: User) -> None:
    """Django's password validators, as a DRF 400 on the ``password`` field."""
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationError({"password": list(exc.messages)}) from None


def _link(template: str, raw_token: str) -> str:
    return template.replace("{token}", raw_token)


def _verification_token_issue(user: User) -> str:
    return account_token_issue(
        user=user, purpose=TokenPurpose.VERIFY_EMAIL, lifetime=settings.VERIFICATION_TOKEN_LIFETIME
    )


def _send_link_quietly(send, *, user: User, raw_token: str, link_template: str) -> None:
    """Send a link and only log a failure: the answer must not tell whether the address exists."""
    try:
        send(user=user, link=_link(link_template, raw_token))
    except Exception:
        logger.exception("Could not send %s to user %s", send.__name__, user.id)


def _account_token_redeem(*, raw_token: str, purpose: TokenPurpose, invalid: str, expired: str) -> AccountToken:
    """Mark a good token used (in the caller's transaction) and return it; 403 with the contract's messages."""
    token = account_token_find(raw_token=raw_token, purpose=purpose)
    if token is None:
        raise PermissionDenied(invalid)
    if token.expires_at <= timezone.now():
        raise PermissionDenied(expired)
    token.used_at = timezone.now()
    token.save(update_fields=["used_at"])
    return token


def user_register(*, name: str, email: str, password: str, photo: str | None = None, link_template: str) -> User:
    """Create an unverified account and email its verification link.

    The account is committed before the email is sent: if sending fails the caller
    gets EmailDeliveryFailed (503), the account stays, and ``verification_resend``
    delivers a new link later.
    """
    email = User.objects.normalize_email(email)
    if User.objects.filter(email=email).exists():
        raise Conflict(messages.ACCOUNT_EXISTS)
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password, name=name, photo=photo)
            raw_token = _verification_token_issue(user)
    except IntegrityError:  # a concurrent registration with the same email won
        raise Conflict(messages.ACCOUNT_EXISTS) from None
    try:
        send_verification_email(user=user, link=_link(link_template, raw_token))
    except Exception as exc:
        logger.exception("Could not send the verification email to user %s", user.id)
        raise EmailDeliveryFailed() from exc
    return user


@transaction.atomic
def email_verify(*, raw_token: str) -> User:
    token = _account_token_redeem(
        raw_token=raw_token,
        purpose=TokenPurpose.VERIFY_EMAIL,
        invalid=messages.VERIFY_TOKEN_INVALID,
        expired=messages.VERIFY_TOKEN_EXPIRED,
    )
    user = token.user
    user.verified = True
    user.save(update_fields=["verified"])
    return user


def verification_resend(*, email: str, link_template: str) -> None:
    """Send a fresh link to an unverified active account; silent otherwise (no enumeration)."""
    user = User.objects.filter(email=User.objects.normalize_email(email), verified=False, is_active=True).first()
    if user is not None:
        _send_link_quietly(
            send_verification_email, user=user, raw_token=_verification_token_issue(user), link_template=link_template
        )


def user_login(*, email: str, password: str) -> RefreshToken:
    """Check credentials in the contract's order and mint a token pair."""
    user = User.objects.filter(email=User.objects.normalize_email(email)).first()
    if user is None:
        User().set_password(password)  # same hashing cost as a wrong password: no timing oracle
        raise BadRequest(messages.BAD_CREDENTIALS)
    if not user.check_password(password):
        raise BadRequest(messages.BAD_CREDENTIALS)
    if not user.is_active:
        raise AuthenticationFailed(messages.DEACTIVATED)
    if not user.verified:
        raise AuthenticationFailed(messages.NOT_VERIFIED)
    update_last_login(None, user)  # shown in the admin (simplejwt's setting covers only its own views)
    return RefreshToken.for_user(user)


@transaction.atomic
def tokens_refresh(*, raw_refresh: str) -> RefreshToken:
    """Rotate a refresh token: blacklist it and mint a new pair, at most once per token.

    simplejwt's own rotation checks the blacklist and then writes it, so two
    concurrent refreshes could both succeed; here only the request that creates
    the blacklist row (unique per token) wins.
    """
    try:
        refresh = RefreshToken(raw_refresh)
    except TokenError:
        raise AuthenticationFailed(messages.REFRESH_INVALID) from None
    user = User.objects.filter(id=refresh.get(jwt_settings.USER_ID_CLAIM), is_active=True).first()
    if user is None:  # deleted or deactivated since the token was issued
        raise AuthenticationFailed(messages.REFRESH_INVALID)
    _, created = refresh.blacklist()
    if not created:
        raise AuthenticationFailed(messages.REFRESH_INVALID)
    return RefreshToken.for_user(user)


def refresh_token_revoke(*, user: User, raw_refresh: str | None) -> None:
    """Blacklist the caller's refresh token on logout; a missing or foreign token changes nothing."""
    if not raw_refresh:
        return
    try:
        refresh = RefreshToken(raw_refresh)
    except TokenError:
        return  # already unusable
    if str(refresh.get(jwt_settings.USER_ID_CLAIM)) == str(user.id):
        refresh.blacklist()


def refresh_tokens_revoke_all(*, user: User) -> None:
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )


def password_forgot(*, email: str, link_template: str) -> None:
    """Email a reset link to an active account; silent otherwise (no enumeration)."""
    user = User.objects.filter(email=User.objects.normalize_email(email), is_active=True).first()
    if user is not None:
        raw_token = account_token_issue(
            user=user, purpose=TokenPurpose.RESET_PASSWORD, lifetime=settings.PASSWORD_RESET_TOKEN_LIFETIME
        )
        _send_link_quietly(send_password_reset_email, user=user, raw_token=raw_token, link_template=link_template)


@transaction.atomic
def password_reset(*, raw_token: str, password: str) -> User:
    """Set a new password with a reset token, then revoke every refresh token of the user.

    A weak password raises inside the transaction, so the token stays unused.
    """
    token = _account_token_redeem(
        raw_token=raw_token,
        purpose=TokenPurpose.RESET_PASSWORD,
        invalid=messages.RESET_TOKEN_INVALID,
        expired=messages.RESET_TOKEN_EXPIRED,
    )
    user = token.user
    validate_password_strength(password, user=user)
    user.set_password(password)
    user.save(update_fields=["password"])  # revokes every refresh token of the user (User.save)
    return user
