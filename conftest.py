import threading

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role
from accounts.tests.factories import ModeratorFactory, UserFactory


@pytest.fixture
def race():
    """``race(attempt, times)``: ``attempt(n)`` in ``times`` threads released at once.

    Each thread has its own database connection (closed when it is done): the requests
    really meet in PostgreSQL. Use with ``django_db(transaction=True)``.
    """
    from django.db import connection

    def run(attempt, times: int) -> None:
        barrier = threading.Barrier(times)

        def worker(n: int) -> None:
            barrier.wait()
            try:
                attempt(n)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(times)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    return run


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def auth_client():
    """``auth_client(user)``: an APIClient sending a real access token for ``user``."""

    def make(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        return client

    return make


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def moderator(db):
    return ModeratorFactory()


@pytest.fixture
def admin_account(db):
    return UserFactory(role=Role.ADMIN)


@pytest.fixture
def login(client):
    """``login(user)``: Django's test client with ``user`` logged in (the admin's session)."""

    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def client_of(auth_client, user):
    """An authenticated client for the default ``user``."""
    return auth_client(user)


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    """Throttle counts live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item (the browser tests screenshot failures)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
