"""Request authentication: a Bearer access token, or the ``access_token`` cookie (API.md, Tokens)."""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings as jwt_settings

ACCESS_COOKIE = "access_token"
REFRESH_COOKIE = "refresh_token"
LOGGED_IN_COOKIE = "logged_in"

UNTRUSTED_ORIGIN = "Cross-site request refused: the Origin or Referer is not an allowed client origin."

# Reads (GET, HEAD, OPTIONS) take the token's user from the cache for up to this long instead
# of a query per request; writes always read it from the database. Saving or deleting a user
# forgets it at once: on every node when CACHE_URL is a shared Redis, else in this process
# only, and the other workers' copies expire within these seconds (README, Security).
USER_CACHE_SECONDS = 5

logger = logging.getLogger(__name__)


def user_cache_key(user_id) -> str:
    return f"token-user:{user_id}"


def forget_saved_user(sender, instance, **kwargs) -> None:
    """Receiver of User's post_save and post_delete (accounts.apps)."""
    forget_users([instance.pk])


def forget_users(user_ids) -> None:
    """Drop cached users (after a save, a deletion or a bulk deactivation)."""
    try:
        cache.delete_many([user_cache_key(user_id) for user_id in user_ids])
    except Exception:
        logger.exception("Cache unavailable; cached users expire within %s s", USER_CACHE_SECONDS)


def _origin(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "http://[::1": no origin, so refused
        return ""
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def request_comes_from_allowed_origin(request) -> bool:
    """True when Origin (or, lacking it, Referer) is a CLIENT_ORIGIN or the API's own origin."""
    origin = request.headers.get("Origin") or _origin(request.headers.get("Referer", ""))
    if not origin or origin == "null":
        return False
    own_origin = f"{request.scheme}://{request.get_host()}"
    return origin == own_origin or origin in settings.CLIENT_ORIGINS


def is_cross_site(request) -> bool:
    """The browser says the request comes from another site, or its Origin/Referer is foreign."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return True
    has_origin = request.headers.get("Origin") or request.headers.get("Referer")
    return bool(has_origin) and not request_comes_from_allowed_origin(request)


class JWTCookieAuthentication(JWTAuthentication):
    """simplejwt's header authentication, plus the ``access_token`` cookie.

    An Authorization header, when present, alone decides. DRF views are exempt from
    Django's CSRF check, so a cookie-authenticated unsafe request must prove it comes
    from an allowed origin here: otherwise any site could post with the user's cookie.
    """

    reading = False  # set per request by authenticate(): reads may be served a cached user

    def authenticate_header(self, request) -> str:
        return "Bearer"

    def get_user(self, validated_token):
        """The token's user: for a read from the cache when it is there (USER_CACHE_SECONDS)."""
        if not self.reading:
            return self.stored_user(validated_token)
        key = user_cache_key(validated_token.get(jwt_settings.USER_ID_CLAIM))
        try:
            user = cache.get(key)
        except Exception:
            logger.exception("Cache unavailable; users are read from the database")
            return self.stored_user(validated_token)
        if user is None:
            user = self.stored_user(validated_token)  # checks it exists and is active
            try:
                cache.set(key, user, USER_CACHE_SECONDS)
            except Exception:
                logger.exception("Cache unavailable; users are read from the database")
        return user

    def stored_user(self, validated_token):
        try:
            return super().get_user(validated_token)
        except (ValueError, DjangoValidationError):
            # A signed token whose subject is not a user id (a UUID): not a 500.
            raise AuthenticationFailed("Token contained no recognizable user identification") from None

    def authenticate(self, request):
        self.reading = request.method in SAFE_METHODS  # DRF makes an authenticator per request
        if self.get_header(request) is not None:
            return super().authenticate(request)
        raw_token = request.COOKIES.get(ACCESS_COOKIE)
        if not raw_token:
            return None
        validated_token = self.get_validated_token(raw_token.encode())
        user = self.get_user(validated_token)
        if request.method not in SAFE_METHODS and not request_comes_from_allowed_origin(request):
            raise PermissionDenied(UNTRUSTED_ORIGIN)
        return user, validated_token
