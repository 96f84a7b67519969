"""Reads take the token's user from the cache (accounts.authentication.USER_CACHE_SECONDS);
writes, saves, deletions and the admin's deactivation never rely on a stale copy."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User

pytestmark = pytest.mark.django_db


def user_queries(client, path="/api/users/me", method="get", **kwargs) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(path, **kwargs)
    fetched = [q for q in captured if 'FROM "accounts_user"' in q["sql"] and "WHERE" in q["sql"]]
    return response.status_code, len(fetched)


def test_a_read_fetches_the_user_once_then_from_the_cache(auth_client, user):
    client = auth_client(user)

    assert user_queries(client, "/api/posts") == (200, 1)
    assert user_queries(client, "/api/posts") == (200, 0)


def test_a_write_always_reads_the_user_from_the_database(auth_client, user):
    client = auth_client(user)
    user_queries(client, "/api/posts")

    status, fetched = user_queries(client, "/api/users/me", "patch", data={"name": "New"}, format="json")

    assert status == 200 and fetched >= 1


@pytest.mark.parametrize("change", ["deactivate", "delete"])
def test_deactivating_or_deleting_a_user_ends_cached_reads_at_once(auth_client, user, change):
    client = auth_client(user)
    assert client.get("/api/users/me").status_code == 200

    if change == "deactivate":
        user.is_active = False
        user.save()
    else:
        user.delete()

    assert client.get("/api/users/me").status_code == 401


def test_the_admins_bulk_deactivation_ends_cached_reads_at_once(auth_client, login, user, moderator):
    client = auth_client(user)
    assert client.get("/api/users/me").status_code == 200

    response = login(moderator).post(
        "/admin/accounts/user/", {"action": "deactivate_users", "_selected_action": [str(user.pk)]}
    )

    assert response.status_code == 302
    assert not User.objects.get(pk=user.pk).is_active
    assert client.get("/api/users/me").status_code == 401
