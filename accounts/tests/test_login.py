import pytest

from accounts import messages
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client, email, password=PASSWORD):
    return client.post("/api/auth/login", {"email": email, "password": password}, format="json")


def test_login_returns_tokens_and_sets_cookies(api_client, settings):
    settings.DEBUG = False
    user = UserFactory(email="me@example.com")

    response = login(api_client, "ME@example.com")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "access_token", "refresh_token"}
    assert body["status"] == "success"
    access, refresh, logged_in = (response.cookies[n] for n in ("access_token", "refresh_token", "logged_in"))
    assert access.value == body["access_token"]
    assert refresh.value == body["refresh_token"]
    assert logged_in.value == "true"
    assert (access["httponly"], refresh["httponly"], logged_in["httponly"]) == (True, True, "")
    assert (access["path"], refresh["path"], logged_in["path"]) == ("/", "/api/auth", "/")
    assert access["max-age"] == logged_in["max-age"] == 15 * 60
    assert refresh["max-age"] == 60 * 60
    assert {c["samesite"] for c in (access, refresh, logged_in)} == {"Lax"}
    assert all(c["secure"] is True for c in (access, refresh, logged_in))
    me = api_client.get("/api/users/me", headers={"authorization": f"Bearer {body['access_token']}"})
    assert me.json()["id"] == str(user.id)


def test_cookies_are_not_secure_in_debug(api_client, settings):
    settings.DEBUG = True
    UserFactory(email="me@example.com")
    response = login(api_client, "me@example.com")
    assert response.cookies["access_token"]["secure"] == ""


def test_unknown_email_and_wrong_password_get_the_same_answer(api_client):
    UserFactory(email="me@example.com")

    wrong_password = login(api_client, "me@example.com", "not-the-password")
    unknown = login(api_client, "ghost@example.com")

    assert wrong_password.status_code == unknown.status_code == 400
    assert wrong_password.json() == unknown.json() == {"status": "fail", "detail": messages.BAD_CREDENTIALS}
    assert "access_token" not in wrong_password.cookies


def test_unverified_user_is_told_only_after_the_password_checks(api_client):
    UserFactory(email="new@example.com", verified=False)

    assert login(api_client, "new@example.com", "wrong-password").status_code == 400
    response = login(api_client, "new@example.com")

    assert response.status_code == 401
    assert response.json() == {"status": "fail", "detail": messages.NOT_VERIFIED}
    assert response["WWW-Authenticate"] == "Bearer"


def test_deactivated_user_cannot_log_in(api_client):
    UserFactory(email="gone@example.com", is_active=False)
    response = login(api_client, "gone@example.com")
    assert response.status_code == 401
    assert response.json()["detail"] == messages.DEACTIVATED


def test_login_with_missing_fields_is_400(api_client):
    response = api_client.post("/api/auth/login", {"email": "a@example.com"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["errors"]


def test_login_is_throttled_per_client(api_client):
    statuses = [login(api_client, "ghost@example.com").status_code for _ in range(11)]
    assert statuses == [400] * 10 + [429]
    response = login(api_client, "ghost@example.com")
    assert response.json()["status"] == "fail"
    assert int(response["Retry-After"]) > 0


def test_forged_x_forwarded_for_does_not_escape_the_throttle(api_client):
    statuses = [
        api_client.post(
            "/api/auth/login",
            {"email": "ghost@example.com", "password": "x"},
            format="json",
            headers={"x-forwarded-for": f"203.0.113.{i}"},
        ).status_code
        for i in range(11)
    ]
    assert statuses[-1] == 429


def test_stale_access_cookie_does_not_block_login(api_client):
    UserFactory(email="me@example.com")
    api_client.cookies["access_token"] = "expired.or.garbage"
    assert login(api_client, "me@example.com").status_code == 200


def test_login_records_last_login_for_the_admin(api_client):
    user = UserFactory(email="seen@example.com")
    assert user.last_login is None

    assert login(api_client, "seen@example.com").status_code == 200

    user.refresh_from_db()
    assert user.last_login is not None
