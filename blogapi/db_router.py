"""Read replicas (API.md, Scale-out): where each query goes, read-your-writes, replica health.

One place for the three parts, active only when ``DATABASE_REPLICA_URL`` is set
(``settings.DATABASE_REPLICAS`` lists the aliases ``replica1``, ``replica2``, ...):

* :class:`ReplicaMiddleware` decides per request. Only safe requests (GET, HEAD,
  OPTIONS) may read from a replica, and only when the client has not written in the last
  ``REPLICA_STICKY_SECONDS``: after a successful unsafe request the client (its user id,
  else its address) is marked in the shared cache, so its next reads go to the primary on
  every node. Everything else (writes, management commands, job workers, the admin and
  the auth endpoints, whose flows read what they just wrote) stays on the primary.
* :class:`ReplicaRouter` applies that decision to each query: writes, migrations and any
  read inside ``atomic()`` go to the primary; once a request writes, its later reads too.
* :func:`replica_status` says whether a replica may serve: ``ok``, ``lagging`` (more than
  ``REPLICA_MAX_LAG_SECONDS`` behind) or ``unavailable``, measured at most once a second
  per process. A replica that is not ``ok`` is skipped; one that fails under a request
  makes the middleware answer that (safe) request again from the primary.

Without replicas the middleware removes itself (``MiddlewareNotUsed``) and the router is
not installed: no cache lookup, no extra work per query.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import random
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle

from accounts.authentication import ACCESS_COOKIE
from blogapi.ratelimit import ATTRIBUTE as RATE_LIMITS_ATTRIBUTE

logger = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS
OK, LAGGING, UNAVAILABLE = "ok", "lagging", "unavailable"
REPLICA_STATES = (OK, LAGGING, UNAVAILABLE)
CHECK_INTERVAL_SECONDS = 1.0
# Flows that read right after their own write (login, refresh, verification; the admin's
# session and forms): always the primary.
PRIMARY_ONLY_PATHS = ("/admin/", "/api/auth/")
STICKY_KEY = "replica-sticky:{}"
# The attribute on the request that names where its reads went (the request log shows it).
READ_DATABASE_ATTRIBUTE = "read_database"

# Seconds behind the primary. On an idle primary nothing is replayed and
# pg_last_xact_replay_timestamp() grows old while the replica is up to date (PITFALLS):
# a streaming replica that has replayed all it received is not behind. A server not in
# recovery (a promoted replica, or the primary itself in tests) is never behind. NULL: unknown.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AND EXISTS (SELECT FROM pg_stat_wal_receiver) THEN 0
    ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())
END
"""


# --- Health of the replicas ----------------------------------------------------------------

_verdicts: dict[str, tuple[float, str]] = {}  # alias -> (monotonic time checked, state); per process
_verdicts_lock = threading.Lock()


def measure_replica(alias: str) -> str:
    """Ask the replica how far behind it is: ``ok``, ``lagging`` or ``unavailable``."""
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            (lag,) = cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("Replica %s unavailable: %s", alias, exc)
        with contextlib.suppress(DatabaseError):
            connection.close()  # a broken connection must not serve the next request
        return UNAVAILABLE
    if lag is None or lag > settings.REPLICA_MAX_LAG_SECONDS:
        logger.warning("Replica %s lagging: %s s behind", alias, lag)
        return LAGGING
    return OK


def replica_status(alias: str, *, max_age: float = CHECK_INTERVAL_SECONDS) -> str:
    """The replica's state, measured again when the last verdict is older than ``max_age`` seconds.

    Of the threads of a process that find the verdict stale, one measures; the others go
    on with the previous verdict meanwhile.
    """
    now = time.monotonic()
    with _verdicts_lock:
        checked_at, state = _verdicts.get(alias, (None, None))
        if checked_at is not None and now - checked_at < max_age:
            return state
        if state is not None and max_age > 0:
            _verdicts[alias] = (now, state)  # claimed: this thread measures
    state = measure_replica(alias)
    with _verdicts_lock:
        _verdicts[alias] = (time.monotonic(), state)
    return state


def replica_statuses() -> dict[str, str]:
    """Each configured replica's state, measured now (the health check); ``{}`` without replicas."""
    return {alias: replica_status(alias, max_age=0) for alias in settings.DATABASE_REPLICAS}


def forget_replica_statuses() -> None:
    """Drop the cached verdicts (tests; a process that changed its replicas)."""
    with _verdicts_lock:
        _verdicts.clear()


def pick_replica() -> str:
    """A replica that may serve now, at random among them; the primary when none may."""
    healthy = [alias for alias in settings.DATABASE_REPLICAS if replica_status(alias) == OK]
    return random.choice(healthy) if healthy else PRIMARY  # noqa: S311 - load spreading, not security


# --- Routing ---------------------------------------------------------------------------


@dataclass
class ReadRoute:
    """The reads of one request that may use a replica: the one picked on the first read."""

    alias: str | None = None

    def read_alias(self) -> str:
        if self.alias is None:
            self.alias = pick_replica()
        return self.alias


# Set by the middleware around a request that may read from a replica; None elsewhere
# (unsafe requests, commands, workers, other threads): the primary.
_route: ContextVar[ReadRoute | None] = ContextVar("replica_read_route", default=None)


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        route = _route.get()
        if route is None or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return route.read_alias()

    def db_for_write(self, model, **hints) -> str:
        route = _route.get()
        if route is not None:
            route.alias = PRIMARY  # a request that writes reads its own write from now on
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # every alias holds the same data

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == PRIMARY


# --- Read-your-writes ------------------------------------------------------------------


def token_user_id(request: HttpRequest) -> str | None:
    """The user id claim of the request's access token, decoded without checking the signature.

    Cheap (no database, no RSA) and safe for this one use: a forged token can only send
    its own reads to the primary. The view authenticates the token properly afterwards.
    Like the authentication class, an Authorization header alone decides when present.
    """
    header = request.META.get("HTTP_AUTHORIZATION")
    if header is not None:
        scheme, _, raw_token = header.partition(" ")
        if scheme != "Bearer":
            return None
    else:
        raw_token = request.COOKIES.get(ACCESS_COOKIE, "")
    parts = raw_token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        user_id = claims[settings.SIMPLE_JWT["USER_ID_CLAIM"]]
    except (binascii.Error, ValueError, TypeError, KeyError):
        return None
    return str(user_id)


def client_address(request: HttpRequest) -> str:
    """The client's address as the throttles see it (NUM_PROXIES decides about X-Forwarded-For)."""
    return BaseThrottle().get_ident(request)


def sticky_key_before(request: HttpRequest) -> str:
    user_id = token_user_id(request)
    return STICKY_KEY.format(f"user:{user_id}" if user_id else f"addr:{client_address(request)}")


def sticky_key_after(request: HttpRequest) -> str:
    """The key of the client that just wrote: its user (known now that the view ran), else its address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return STICKY_KEY.format(f"user:{user.pk}")
    return STICKY_KEY.format(f"addr:{client_address(request)}")


class ReplicaMiddleware:
    """Sends the reads of safe requests to a replica, unless the client has just written."""

    def __init__(self, get_response):
        if not settings.DATABASE_REPLICAS:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in SAFE_METHODS:
            setattr(request, READ_DATABASE_ATTRIBUTE, PRIMARY)
            response = self.get_response(request)
            if response.status_code < 400:
                self.mark_written(request)
            return response
        if request.path.startswith(PRIMARY_ONLY_PATHS) or self.has_written_lately(request):
            setattr(request, READ_DATABASE_ATTRIBUTE, PRIMARY)
            return self.get_response(request)

        route = ReadRoute()
        response = self.respond(request, route)
        if (
            response.status_code == 503
            and route.alias not in (None, PRIMARY)
            and replica_status(route.alias, max_age=0) != OK
        ):
            # The replica went away under this request: answer it from the primary
            # (a safe request may run twice). Its throttle state is noted afresh.
            logger.warning(
                "Replica %s failed during %s %s; answered from the primary", route.alias, request.method, request.path
            )
            request.__dict__.pop(RATE_LIMITS_ATTRIBUTE, None)
            response = self.respond(request, ReadRoute(alias=PRIMARY))
        return response

    def respond(self, request: HttpRequest, route: ReadRoute) -> HttpResponse:
        token = _route.set(route)
        try:
            return self.get_response(request)
        finally:
            _route.reset(token)
            setattr(request, READ_DATABASE_ATTRIBUTE, route.alias)

    @staticmethod
    def has_written_lately(request: HttpRequest) -> bool:
        try:
            return cache.get(sticky_key_before(request)) is not None
        except Exception:
            # A cache (Redis) outage: the primary is always right, only busier.
            logger.exception("Cache unavailable; reads go to the primary")
            return True

    @staticmethod
    def mark_written(request: HttpRequest) -> None:
        try:
            cache.set(sticky_key_after(request), 1, timeout=settings.REPLICA_STICKY_SECONDS)
        except Exception:
            logger.exception("Cache unavailable; the client's next reads may miss its write on a replica")
