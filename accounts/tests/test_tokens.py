"""API.md, Tokens: how access tokens are accepted and refused."""

import base64
import datetime as dt
import json

import jwt
import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/users/me"


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def bearer(api_client, token):
    return api_client.get(ME, headers={"authorization": f"Bearer {token}"})


def test_valid_access_token_is_accepted(api_client, user):
    assert bearer(api_client, RefreshToken.for_user(user).access_token).status_code == 200


def test_token_is_rs256(user):
    header = jwt.get_unverified_header(str(AccessToken.for_user(user)))
    assert header["alg"] == "RS256"


def test_alg_none_is_refused(api_client, user):
    payload = jwt.decode(str(AccessToken.for_user(user)), options={"verify_signature": False})
    forged = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}."
    assert bearer(api_client, forged).status_code == 401


def test_hs256_signed_with_the_public_key_is_refused(api_client, user):
    payload = jwt.decode(str(AccessToken.for_user(user)), options={"verify_signature": False})
    header = b64({"alg": "HS256", "typ": "JWT"})
    body = b64(payload)
    import hashlib
    import hmac

    signature = hmac.new(settings.JWT_VERIFYING_KEY.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    forged = f"{header}.{body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    assert bearer(api_client, forged).status_code == 401


def test_tampered_payload_is_refused(api_client, user):
    other = UserFactory()
    header, _, signature = str(AccessToken.for_user(user)).split(".")
    payload = jwt.decode(str(AccessToken.for_user(user)), options={"verify_signature": False})
    payload["sub"] = str(other.id)
    assert bearer(api_client, f"{header}.{b64(payload)}.{signature}").status_code == 401


def test_expired_token_is_refused_without_leeway(api_client, user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-dt.timedelta(seconds=1))
    response = bearer(api_client, token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_refresh_token_is_not_an_access_token(api_client, user):
    assert bearer(api_client, RefreshToken.for_user(user)).status_code == 401


def test_token_of_deactivated_user_is_refused(api_client, user):
    token = AccessToken.for_user(user)
    user.is_active = False
    user.save()
    assert bearer(api_client, token).status_code == 401


def test_token_of_deleted_user_is_refused(api_client, user):
    token = AccessToken.for_user(user)
    user.delete()
    assert bearer(api_client, token).status_code == 401


def test_access_cookie_authenticates_safe_requests(api_client, user):
    api_client.cookies["access_token"] = str(AccessToken.for_user(user))
    assert api_client.get(ME).json()["id"] == str(user.id)


def test_invalid_bearer_wins_over_valid_cookie(api_client, user):
    api_client.cookies["access_token"] = str(AccessToken.for_user(user))
    assert bearer(api_client, "garbage").status_code == 401


def test_non_bearer_authorization_header_is_not_replaced_by_the_cookie(api_client, user):
    api_client.cookies["access_token"] = str(AccessToken.for_user(user))
    response = api_client.get(ME, headers={"authorization": "Basic Zm9vOmJhcg=="})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "headers,status",
    [
        ({}, 403),
        ({"origin": "https://evil.example"}, 403),
        ({"origin": "null"}, 403),
        ({"referer": "https://evil.example/page"}, 403),
        ({"referer": "http://[::1"}, 403),
        ({"origin": "http://localhost:3000.evil.example"}, 403),
        ({"origin": "http://localhost:3000"}, 200),
        ({"referer": "http://localhost:3000/settings"}, 200),
        ({"origin": "http://testserver"}, 200),
    ],
)
def test_cookie_authenticated_unsafe_request_needs_an_allowed_origin(api_client, user, headers, status):
    api_client.cookies["access_token"] = str(AccessToken.for_user(user))

    response = api_client.patch(ME, {"name": "Changed"}, format="json", headers=headers)

    assert response.status_code == status
    user.refresh_from_db()
    assert (user.name == "Changed") == (status == 200)


def test_header_authenticated_unsafe_request_needs_no_origin(auth_client, user):
    response = auth_client(user).patch(ME, {"name": "Changed"}, format="json", headers={"origin": "https://x.example"})
    assert response.status_code == 200


def test_cors_preflight_allows_the_client_origin_with_credentials(api_client):
    response = api_client.options(
        "/api/auth/login",
        headers={"origin": "http://localhost:3000", "access-control-request-method": "POST"},
    )
    assert response["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert response["Access-Control-Allow-Credentials"] == "true"


def test_cors_refuses_other_origins(api_client):
    response = api_client.options(
        "/api/auth/login",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in response


def test_a_signed_token_whose_subject_is_not_a_uuid_is_401_not_500(api_client, user):
    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken.for_user(user)
    token["sub"] = "not-a-uuid"
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    assert api_client.get("/api/users/me").status_code == 401
