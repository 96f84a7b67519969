import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import messages
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client, user):
    response = client.post("/api/auth/login", {"email": user.email, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("method", ["get", "post"])
def test_refresh_from_cookie_rotates_and_blacklists_the_old_token(api_client, user, method):
    old = login(api_client, user)["refresh_token"]

    response = getattr(api_client, method)("/api/auth/refresh")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert body["refresh_token"] != old
    assert response.cookies["refresh_token"].value == body["refresh_token"]
    assert response.cookies["access_token"].value == body["access_token"]
    assert (
        BlacklistedToken.objects.filter(token__jti=RefreshToken(body["refresh_token"], verify=False)["jti"]).count()
        == 0
    )
    again = APIClient().post("/api/auth/refresh", {"refresh": old}, format="json")
    assert again.status_code == 401
    assert again.json()["detail"] == messages.REFRESH_INVALID


def test_refresh_from_body(api_client, user):
    old = login(APIClient(), user)["refresh_token"]
    response = api_client.post("/api/auth/refresh/", {"refresh": old}, format="json")
    assert response.status_code == 200


def test_refresh_without_token_is_400(api_client):
    response = api_client.post("/api/auth/refresh", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"status": "fail", "detail": messages.REFRESH_MISSING}


@pytest.mark.parametrize("token", ["garbage", "a.b.c"])
def test_refresh_with_invalid_token_is_401(api_client, token):
    response = api_client.post("/api/auth/refresh", {"refresh": token}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_access_token_cannot_refresh(api_client, user):
    access = login(APIClient(), user)["access_token"]
    assert api_client.post("/api/auth/refresh", {"refresh": access}, format="json").status_code == 401


def test_refresh_of_deleted_user_is_401(api_client, user):
    token = login(APIClient(), user)["refresh_token"]
    user.delete()
    assert api_client.post("/api/auth/refresh", {"refresh": token}, format="json").status_code == 401


def test_refresh_of_deactivated_user_is_401(api_client, user):
    token = login(APIClient(), user)["refresh_token"]
    user.is_active = False
    user.save()
    assert api_client.post("/api/auth/refresh", {"refresh": token}, format="json").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_with_one_token_let_at_most_one_through():
    user = UserFactory()
    token = str(RefreshToken.for_user(user))
    barrier = threading.Barrier(4)
    results = []

    def attempt():
        barrier.wait()
        try:
            results.append(APIClient().post("/api/auth/refresh", {"refresh": token}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [200, 401, 401, 401]


def test_logout_blacklists_refresh_token_and_clears_cookies(api_client, user):
    tokens = login(api_client, user)

    response = api_client.post("/api/auth/logout", headers={"origin": "http://localhost:3000"})

    assert response.status_code == 200
    assert response.json() == {"status": "success"}
    for name, path in [("access_token", "/"), ("refresh_token", "/api/auth"), ("logged_in", "/")]:
        assert response.cookies[name].value == ""
        assert response.cookies[name]["max-age"] == 0
        assert response.cookies[name]["path"] == path
    assert APIClient().post("/api/auth/refresh", {"refresh": tokens["refresh_token"]}, format="json").status_code == 401


def test_logout_with_bearer_and_body_token(user):
    tokens = login(APIClient(), user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")

    assert client.get("/api/auth/logout").status_code == 200
    assert client.post("/api/auth/logout", {"refresh": tokens["refresh_token"]}, format="json").status_code == 200

    assert APIClient().post("/api/auth/refresh", {"refresh": tokens["refresh_token"]}, format="json").status_code == 401


def test_logout_cannot_revoke_someone_elses_token(auth_client, user):
    victim = UserFactory()
    victim_refresh = str(RefreshToken.for_user(victim))
    auth_client(user).post("/api/auth/logout", {"refresh": victim_refresh}, format="json")
    assert APIClient().post("/api/auth/refresh", {"refresh": victim_refresh}, format="json").status_code == 200


def test_logout_without_access_token_is_401(api_client):
    response = api_client.post("/api/auth/logout")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_head_neither_rotates_nor_logs_out(api_client, user):
    tokens = login(api_client, user)
    assert api_client.head("/api/auth/refresh").status_code == 405
    assert (
        api_client.head("/api/auth/logout", headers={"authorization": f"Bearer {tokens['access_token']}"}).status_code
        == 405
    )
    assert APIClient().post("/api/auth/refresh", {"refresh": tokens["refresh_token"]}, format="json").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{"sec-fetch-site": "cross-site"}, {"origin": "https://evil.example"}, {"referer": "https://evil.example/page"}],
)
def test_a_cross_site_get_logout_with_cookies_is_403_and_revokes_nothing(api_client, user, headers):
    tokens = login(api_client, user)

    response = api_client.get("/api/auth/logout", headers=headers)

    assert response.status_code == 403
    assert APIClient().post("/api/auth/refresh", {"refresh": tokens["refresh_token"]}, format="json").status_code == 200


@pytest.mark.parametrize("headers", [{}, {"sec-fetch-site": "same-origin"}, {"origin": "http://localhost:3000"}])
def test_a_same_site_get_logout_with_cookies_still_works(api_client, user, headers):
    login(api_client, user)
    assert api_client.get("/api/auth/logout", headers=headers).status_code == 200
