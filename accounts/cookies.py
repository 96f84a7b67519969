"""The auth cookies of API.md (Tokens): access_token, refresh_token (path /api/auth), logged_in."""

from django.conf import settings
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from accounts.authentication import ACCESS_COOKIE, LOGGED_IN_COOKIE, REFRESH_COOKIE

REFRESH_COOKIE_PATH = "/api/auth"


def _cookies():
    """(name, path, httponly, lifetime) of each cookie."""
    access = jwt_settings.ACCESS_TOKEN_LIFETIME
    return [
        (ACCESS_COOKIE, "/", True, access),
        (REFRESH_COOKIE, REFRESH_COOKIE_PATH, True, jwt_settings.REFRESH_TOKEN_LIFETIME),
        (LOGGED_IN_COOKIE, "/", False, access),
    ]


def set_auth_cookies(response, *, access_token: str, refresh_token: str) -> None:
    values = {ACCESS_COOKIE: access_token, REFRESH_COOKIE: refresh_token, LOGGED_IN_COOKIE: "true"}
    for name, path, httponly, lifetime in _cookies():
        response.set_cookie(
            name,
            values[name],
            max_age=int(lifetime.total_seconds()),
            path=path,
            httponly=httponly,
            secure=not settings.DEBUG,
            samesite="Lax",
        )


def clear_auth_cookies(response) -> None:
    for name, path, _, _ in _cookies():
        response.delete_cookie(name, path=path, samesite="Lax")
