import pytest

from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_still_works_when_the_throttle_cache_is_down(api_client, user, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

    response = api_client.post("/api/auth/login", {"email": user.email, "password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert "access_token" in response.json()
    assert "Throttle cache unavailable" in caplog.text
