import pytest

pytestmark = pytest.mark.django_db

USER_KEYS = {"id", "name", "email", "photo", "role", "verified", "created_at", "updated_at"}


def test_me_returns_the_full_user(client_of, user):
    response = client_of.get("/api/users/me")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == USER_KEYS
    assert (body["id"], body["email"], body["role"], body["verified"]) == (str(user.id), user.email, "user", True)


def test_me_requires_authentication(api_client):
    response = api_client.get("/api/users/me/")
    assert response.status_code == 401


def test_patch_me_updates_name_and_photo_only(client_of, user):
    response = client_of.patch(
        "/api/users/me",
        {"name": "New Name", "photo": "me.png", "email": "hijack@example.com", "role": "admin", "verified": False},
        format="json",
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.name, user.photo, user.email, user.role, user.verified) == (
        "New Name",
        "me.png",
        user.email,
        "user",
        True,
    )
    assert user.email != "hijack@example.com"


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, None, "\u200b", "\u200b \u2060", "Bob\r\nBcc: x", "a\x07"])
def test_patch_me_rejects_a_bad_name(client_of, user, name):
    response = client_of.patch("/api/users/me", {"name": name}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def test_put_me_is_not_allowed(client_of):
    assert client_of.put("/api/users/me", {"name": "x"}, format="json").status_code == 405


@pytest.mark.parametrize("body", [{"photo": 5}, {"name": 12}, {"name": True}])
def test_patch_me_rejects_non_string_values(client_of, user, body):
    response = client_of.patch("/api/users/me", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == list(body)


def test_photo_refuses_script_urls(client_of):
    response = client_of.patch("/api/users/me", {"photo": "javascript:alert(1)"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["photo"]
