"""Read replicas (API.md, Scale-out): routing, read-your-writes, skipping a bad replica, health.

The replica here is a second alias, ``replica1``, on the test database itself; which alias
served is proven by counting the queries each alias runs. The real topology (a streaming
replica, two nodes, nginx, Redis) is tests/topology in blogapi/tests/test_topology.py.
"""

import contextlib
import time
from collections import Counter

import pytest
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.models import User
from accounts.tests.factories import UserFactory
from blogapi import db_router
from blogapi.db_router import ReplicaMiddleware, ReplicaRouter
from posts.models import Post
from posts.tests.factories import PostFactory

# Transactions commit: the replica alias has its own connection and sees only committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

REPLICA = "replica1"
POST = {"title": "Fresh", "content": "Just written", "category": "news", "image": "https://example.com/a.png"}


class QueryCounter:
    """Counts the queries each alias runs (``counter["default"]``, ``counter["replica1"]``)."""

    def __init__(self):
        self.counts = Counter()
        self.statements = []

    def wrapper(self, alias):
        def count(execute, sql, params, many, context):
            self.counts[alias] += 1
            self.statements.append((alias, sql))
            return execute(sql, params, many, context)

        return count

    def __getitem__(self, alias) -> int:
        return self.counts[alias]

    def reset(self) -> None:
        self.counts.clear()
        self.statements.clear()


@contextlib.contextmanager
def replica_alias(**settings_overrides):
    """``replica1`` on the test database (or wherever the overrides point), as the settings would make it."""
    default = connections["default"]
    settings_dict = {**default.settings_dict, **settings_overrides, "TEST": {"MIRROR": "default"}}
    # Set on this thread's handler only (the test client runs requests in this thread): Django's
    # test case then treats it as a dynamically created connection, allowed in every test.
    connections[REPLICA] = type(default)(settings_dict, REPLICA)
    try:
        yield
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]


@pytest.fixture
def replica_settings(settings):
    settings.DATABASE_REPLICAS = [REPLICA]
    settings.DATABASE_ROUTERS = ["blogapi.db_router.ReplicaRouter"]
    settings.REPLICA_STICKY_SECONDS = 5
    settings.REPLICA_MAX_LAG_SECONDS = 10
    db_router.forget_replica_statuses()
    yield settings
    db_router.forget_replica_statuses()


@pytest.fixture
def queries():
    """A QueryCounter on both aliases for the whole test."""
    counter = QueryCounter()
    with contextlib.ExitStack() as stack:
        for alias in ("default", REPLICA):
            stack.enter_context(connections[alias].execute_wrapper(counter.wrapper(alias)))
        yield counter


@pytest.fixture
def replica(replica_settings):
    with replica_alias():
        yield REPLICA


@pytest.fixture
def replica_down(replica_settings):
    """replica1 points at a port where no PostgreSQL listens."""
    with replica_alias(HOST="127.0.0.1", PORT="1", OPTIONS={"connect_timeout": 2}):
        yield REPLICA


def request_through_middleware(view, method="get", path="/api/posts"):
    """``view(request)`` behind ReplicaMiddleware, as a request would run it."""
    request = getattr(RequestFactory(), method)(path)
    return ReplicaMiddleware(view)(request)


# --- Routing -----------------------------------------------------------------------------


def test_anonymous_read_is_served_by_the_replica(api_client, replica, queries):
    PostFactory(title="On both")
    queries.reset()

    response = api_client.get("/api/posts")

    assert response.status_code == 200
    assert [post["title"] for post in response.json()["posts"]] == ["On both"]
    assert queries[REPLICA] > 0
    assert queries["default"] == 0


def test_write_goes_to_the_primary(auth_client, user, replica, queries):
    queries.reset()

    response = auth_client(user).post("/api/posts", POST, format="json")

    assert response.status_code == 201
    assert Post.objects.filter(id=response.json()["id"]).exists()
    assert queries["default"] > 0
    assert queries[REPLICA] == 0


def test_writer_reads_its_write_from_the_primary_and_another_user_from_the_replica(auth_client, replica, queries):
    # Separate clients (minting a token writes to the primary): only the token ties them to a user.
    writer_user, reader_user = UserFactory(), UserFactory()
    writer, writer_again, reader = auth_client(writer_user), auth_client(writer_user), auth_client(reader_user)
    created = writer.post("/api/posts", POST, format="json").json()
    queries.reset()

    response = writer_again.get(f"/api/posts/{created['id']}")

    assert response.status_code == 200 and response.json()["title"] == "Fresh"
    assert queries["default"] > 0 and queries[REPLICA] == 0

    queries.reset()
    assert reader.get(f"/api/posts/{created['id']}").status_code == 200
    assert queries["default"] == 0 and queries[REPLICA] > 0


def test_writer_returns_to_the_replica_after_the_sticky_seconds(auth_client, replica, replica_settings, queries):
    replica_settings.REPLICA_STICKY_SECONDS = 1
    writer = auth_client(UserFactory())
    writer.post("/api/posts", POST, format="json")
    time.sleep(1.2)
    queries.reset()

    assert writer.get("/api/posts").status_code == 200

    assert queries["default"] == 0 and queries[REPLICA] > 0


def test_a_failed_write_does_not_make_the_client_sticky(auth_client, user, replica, queries):
    client = auth_client(user)
    assert client.post("/api/posts", {"title": ""}, format="json").status_code == 400
    queries.reset()

    client.get("/api/posts")

    assert queries["default"] == 0 and queries[REPLICA] > 0


def test_anonymous_writer_is_sticky_by_address(api_client, replica, queries):
    body = {"name": "Jane Doe", "email": "jane@example.com", "password": "tulip-Orchard-42"}
    registered = api_client.post(
        "/api/auth/register", {**body, "passwordConfirm": body["password"]}, format="json", REMOTE_ADDR="10.0.0.1"
    )
    assert registered.status_code == 201
    queries.reset()

    api_client.get("/api/posts", REMOTE_ADDR="10.0.0.1")
    assert queries["default"] > 0 and queries[REPLICA] == 0

    queries.reset()
    api_client.get("/api/posts", REMOTE_ADDR="10.0.0.2")
    assert queries["default"] == 0 and queries[REPLICA] > 0


def test_cookie_authenticated_writer_is_sticky_too(api_client, replica, queries):
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.authentication import ACCESS_COOKIE

    writer = UserFactory()
    api_client.cookies[ACCESS_COOKIE] = str(RefreshToken.for_user(writer).access_token)
    created = api_client.post("/api/posts", POST, format="json", HTTP_ORIGIN="http://localhost:3000")
    assert created.status_code == 201
    queries.reset()

    api_client.get("/api/posts", REMOTE_ADDR="10.9.9.9")  # another address: the user decides

    assert queries["default"] > 0 and queries[REPLICA] == 0


def test_reads_inside_atomic_go_to_the_primary(replica, queries):
    def view(request):
        list(User.objects.all())
        with transaction.atomic():
            list(Post.objects.all())
        return HttpResponse()

    request_through_middleware(view)

    assert [alias for alias, sql in queries.statements if "accounts_user" in sql] == [REPLICA]
    assert [alias for alias, sql in queries.statements if "posts_post" in sql] == ["default"]


def test_a_request_that_wrote_reads_from_the_primary_afterwards(replica, queries):
    def view(request):
        list(Post.objects.all())
        UserFactory()  # a GET that writes (outside atomic, autocommit)
        list(Post.objects.all())
        return HttpResponse()

    request_through_middleware(view)

    reads = [alias for alias, sql in queries.statements if sql.startswith("SELECT") and "posts_post" in sql]
    assert reads == [REPLICA, "default"]


@pytest.mark.parametrize("path", ["/admin/", "/api/auth/verifyemail/abc"])
def test_admin_and_auth_flows_read_from_the_primary(replica, queries, path):
    def view(request):
        list(User.objects.all())
        return HttpResponse()

    request_through_middleware(view, path=path)

    assert queries["default"] > 0 and queries[REPLICA] == 0


def test_outside_a_request_everything_goes_to_the_primary(replica, queries):
    list(Post.objects.all())  # a management command, a job worker
    assert queries["default"] > 0 and queries[REPLICA] == 0


def test_migrations_run_only_on_the_primary():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "posts") is True
    assert router.allow_migrate(REPLICA, "posts") is False


# --- Skipping a replica that is down or behind -------------------------------------------------


def test_a_replica_that_is_down_is_skipped(api_client, replica_down, queries):
    PostFactory(title="Still here")
    queries.reset()

    response = api_client.get("/api/posts")

    assert response.status_code == 200
    assert [post["title"] for post in response.json()["posts"]] == ["Still here"]
    assert queries["default"] > 0


def test_a_replica_that_lags_is_skipped(api_client, replica, queries, monkeypatch):
    monkeypatch.setattr(db_router, "LAG_SQL", "SELECT 30.0")  # 30 s behind; the limit is 10
    queries.reset()

    assert api_client.get("/api/posts").status_code == 200

    assert [sql for alias, sql in queries.statements if alias == REPLICA] == ["SELECT 30.0"]
    assert queries["default"] > 0


def test_a_replica_within_the_limit_serves(api_client, replica, queries, monkeypatch):
    monkeypatch.setattr(db_router, "LAG_SQL", "SELECT 9.5")
    queries.reset()

    api_client.get("/api/posts")

    assert queries["default"] == 0 and queries[REPLICA] > 1


def test_an_up_to_date_server_reports_no_lag(replica):
    """The lag query on a server that is not in recovery (here the primary itself): 0, so ok."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(db_router.LAG_SQL)
        assert cursor.fetchone() == (0,)


def test_the_replica_is_checked_at_most_once_a_second(api_client, replica, queries):
    for _ in range(5):
        api_client.get("/api/posts")
    checks = [sql for alias, sql in queries.statements if sql == db_router.LAG_SQL]
    assert len(checks) == 1

    time.sleep(1.1)
    api_client.get("/api/posts")
    assert len([sql for alias, sql in queries.statements if sql == db_router.LAG_SQL]) == 2


def test_a_replica_failing_under_a_request_is_answered_from_the_primary(api_client, replica_down, queries):
    """The verdict still says ok (checked less than a second ago) when the replica goes away."""
    PostFactory(title="Failover")
    db_router._verdicts[REPLICA] = (time.monotonic(), db_router.OK)

    response = api_client.get("/api/posts")

    assert response.status_code == 200
    assert [post["title"] for post in response.json()["posts"]] == ["Failover"]
    assert db_router.replica_status(REPLICA) == db_router.UNAVAILABLE


# --- Health ------------------------------------------------------------------------------


def test_health_reports_each_replica(api_client, replica):
    response = api_client.get("/api/healthchecker")

    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "message": "Hello World",
        "database": "ok",
        "replicas": {REPLICA: "ok"},
    }


def test_a_replica_outage_does_not_fail_the_health_check(api_client, replica_down):
    response = api_client.get("/api/healthchecker")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["replicas"] == {REPLICA: "unavailable"}


def test_a_lagging_replica_is_reported(api_client, replica, monkeypatch):
    monkeypatch.setattr(db_router, "LAG_SQL", "SELECT 30.0")
    assert api_client.get("/api/healthchecker").json()["replicas"] == {REPLICA: "lagging"}


def test_health_has_no_replicas_without_replicas(api_client):
    assert "replicas" not in api_client.get("/api/healthchecker").json()


# --- Without replicas: nothing happens --------------------------------------------------------


def test_without_replicas_the_middleware_removes_itself(settings):
    settings.DATABASE_REPLICAS = []
    with pytest.raises(MiddlewareNotUsed):
        ReplicaMiddleware(lambda request: HttpResponse())


def test_without_replicas_no_request_looks_at_the_cache(api_client, monkeypatch):
    from django.core.cache import cache

    def refuse(*args, **kwargs):
        raise AssertionError("the cache was consulted")

    monkeypatch.setattr(cache, "get", refuse)
    monkeypatch.setattr(cache, "set", refuse)
    assert api_client.get("/api/posts").status_code == 200


# --- The client key -----------------------------------------------------------------------


def test_the_user_id_is_read_from_the_bearer_token_or_the_cookie(user):
    from rest_framework_simplejwt.tokens import RefreshToken

    token = str(RefreshToken.for_user(user).access_token)
    factory = RequestFactory()

    assert db_router.token_user_id(factory.get("/", HTTP_AUTHORIZATION=f"Bearer {token}")) == str(user.id)
    cookie_request = factory.get("/")
    cookie_request.COOKIES["access_token"] = token
    assert db_router.token_user_id(cookie_request) == str(user.id)
    assert db_router.token_user_id(factory.get("/", HTTP_AUTHORIZATION="Bearer garbage")) is None
    assert db_router.token_user_id(factory.get("/", HTTP_AUTHORIZATION="Bearer a.!!!.c")) is None
    assert db_router.token_user_id(factory.get("/", HTTP_AUTHORIZATION=f"Basic {token}")) is None
