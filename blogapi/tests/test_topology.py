"""Scale-out on real engines (API.md, Scale-out): deploy/topology.py started for real.

A PostgreSQL 18 primary with a streaming replica (applying WAL 300 ms late on purpose),
two gunicorn nodes sharing Redis, nginx in front with deploy/nginx.conf. Driven through
nginx (and, where the point is "across nodes", each node directly): read-your-writes, reads
served by the replica, idempotency and throttles across nodes, the replica stopped and a
node killed mid-run. The figures are printed at the end of the run (blogapi/tests/conftest.py).

Skipped when nginx, Redis or the PostgreSQL binaries are missing, unless REQUIRE_TOPOLOGY=1
(CI): then it fails.
"""

import os
import threading
import time
import uuid

import pytest

from blogapi.tests.conftest import TOPOLOGY_FIGURES
from deploy.topology import Topology, call, missing, node_environment

pytestmark = pytest.mark.topology

REDIS_URL = os.environ.get("TOPOLOGY_REDIS_URL", "redis://127.0.0.1:6379/13")
ANON_QUOTA = 5
PASSWORD = "demo-Passw0rd!"  # the seeded demo accounts' (posts/management/commands/seed.py)
POST = {"title": "Written through nginx", "content": "Read back at once.", "category": "topology", "image": "x.png"}


@pytest.fixture(scope="module")
def figures(pytestconfig) -> dict:
    collected = pytestconfig.stash.setdefault(TOPOLOGY_FIGURES, {})
    return collected


@pytest.fixture(scope="module")
def topology():
    reasons = missing(REDIS_URL)
    if reasons:
        message = "topology test needs " + "; ".join(reasons)
        if os.environ.get("REQUIRE_TOPOLOGY") == "1":
            pytest.fail(message)
        pytest.skip(message)
    started = time.monotonic()
    running = Topology(redis_url=REDIS_URL, node_env=node_environment(ANON_THROTTLE_RATE=f"{ANON_QUOTA}/minute"))
    try:
        running.start()
        running.started_in = time.monotonic() - started
        yield running
    finally:
        running.close()


@pytest.fixture(scope="module")
def nginx(topology) -> int:
    return topology.ports["nginx"]


def login(port: int, email: str) -> dict:
    status, _, body = call(port, "POST", "/api/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, body
    return {"Authorization": f"Bearer {body['access_token']}"}


@pytest.fixture(scope="module")
def alice(nginx) -> dict:
    return login(nginx, "alice@example.com")


@pytest.fixture(scope="module")
def bob(nginx) -> dict:
    return login(nginx, "bob@example.com")


class Load:
    """GETs through nginx in a thread, one after the other, until stopped: what each answered."""

    def __init__(self, port: int, headers: dict, paths: list[str]):
        self.port, self.headers, self.paths = port, headers, paths
        self.statuses: list[int] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stopped.is_set():
            path = self.paths[len(self.statuses) % len(self.paths)]
            try:
                status = call(self.port, "GET", path, headers=self.headers, timeout=10)[0]
            except OSError:
                status = 0  # no answer at all
            self.statuses.append(status)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(30)

    def errors(self) -> int:
        return sum(1 for status in self.statuses if status != 200)


def test_health_through_nginx_reports_the_primary_and_the_replica(topology, nginx, figures):
    status, _, body = call(nginx, "GET", "/api/healthchecker")

    assert status == 200
    assert body == {"status": "success", "message": "Hello World", "database": "ok", "replicas": {"replica1": "ok"}}
    figures["topology started in (s)"] = round(topology.started_in, 1)


def test_a_writer_reads_its_own_writes_at_once_on_any_node(topology, nginx, alice, bob, figures):
    created_ids, stale_for_others = [], 0
    for attempt in range(10):
        status, _, created = call(nginx, "POST", "/api/posts", {**POST, "title": f"Fresh {attempt}"}, alice)
        assert status == 201, created
        status, _, read = call(nginx, "GET", f"/api/posts/{created['id']}", headers=alice)
        assert status == 200 and read["title"] == f"Fresh {attempt}"
        # Another user, not sticky, reads from the replica, which applies the write 300 ms late.
        stale_for_others += call(nginx, "GET", f"/api/posts/{created['id']}", headers=bob)[0] == 404
        created_ids.append(created["id"])

    # Written on one node, read at once on the other: the stickiness is in Redis.
    status, _, created = call(topology.ports["node1"], "POST", "/api/posts", POST, alice)
    assert status == 201
    assert call(topology.ports["node2"], "GET", f"/api/posts/{created['id']}", headers=alice)[0] == 200

    alice_id = created["user_id"]
    alice_reads = [
        entry["read_database"]
        for entry in topology.request_log()
        if entry["method"] == "GET" and entry["user_id"] == alice_id and entry["path"].startswith("/api/posts/")
    ]
    assert alice_reads == ["default"] * 11
    figures["read-your-writes: writer's immediate reads answered 200"] = "11/11 (all from the primary)"
    figures["another user's immediate read of a post the replica had not applied yet (404)"] = f"{stale_for_others}/10"


def test_other_users_reads_are_served_by_the_replica(topology, nginx, bob, figures):
    topology.wait_for_replica()
    before = topology.query("replica", "SELECT tup_returned FROM pg_stat_database WHERE datname = 'postgres'")[0][0]
    paths = ["/api/posts", "/api/posts?limit=5", "/api/tags"]
    answers = [call(nginx, "GET", path, headers=bob)[0] for path in paths * 15]
    time.sleep(1.2)  # cumulative statistics are published about once a second
    after = topology.query(
        "replica", "SELECT pg_stat_clear_snapshot(), tup_returned FROM pg_stat_database WHERE datname = 'postgres'"
    )[0][1]

    assert answers == [200] * len(answers)
    reads = [
        entry
        for entry in topology.request_log()
        if entry["method"] == "GET"
        and entry["path"] in {"/api/posts", "/api/tags"}
        and entry["user_id"] is not None
        and entry["read_database"] is not None
    ]
    by_replica = sum(entry["read_database"] == "replica1" for entry in reads)
    nodes = {entry["node"] for entry in reads if entry["read_database"] == "replica1"}
    assert by_replica / len(reads) >= 0.8
    assert nodes == {"node1", "node2"}
    assert after > before
    figures["reads by a user who has not written: served by the replica"] = (
        f"{by_replica}/{len(reads)} ({by_replica / len(reads):.0%}), on both nodes; replica tup_returned +{after - before}"
    )


def test_an_idempotency_key_gives_one_answer_on_both_nodes(topology, alice, figures):
    key = {"Idempotency-Key": f"topology-{uuid.uuid4()}"}
    first_status, _, first = call(topology.ports["node1"], "POST", "/api/posts", POST, {**alice, **key})
    again_status, again_headers, again = call(topology.ports["node2"], "POST", "/api/posts", POST, {**alice, **key})

    assert first_status == 201
    assert (again_status, again) == (201, first)
    assert again_headers["Idempotent-Replayed"] == "true"
    figures["Idempotency-Key sent to node1 then node2"] = "one post, the same 201 replayed by node2"


def test_token_revocation_holds_across_nodes(topology, figures):
    node1, node2 = topology.ports["node1"], topology.ports["node2"]
    client = {"X-Forwarded-For": "198.51.100.77"}  # its own client: the anonymous quota is the others'
    login_body = {"email": "mod@example.com", "password": PASSWORD}
    status, _, tokens = call(node1, "POST", "/api/auth/login", login_body, client)
    assert status == 200, tokens

    rotated_status, _, rotated = call(node1, "POST", "/api/auth/refresh", {"refresh": tokens["refresh_token"]}, client)
    reused_status = call(node2, "POST", "/api/auth/refresh", {"refresh": tokens["refresh_token"]}, client)[0]
    bearer = {**client, "Authorization": f"Bearer {rotated['access_token']}"}
    logout_status = call(node2, "POST", "/api/auth/logout", {"refresh": rotated["refresh_token"]}, bearer)[0]
    after_logout_status = call(node1, "POST", "/api/auth/refresh", {"refresh": rotated["refresh_token"]}, client)[0]

    assert (rotated_status, reused_status) == (200, 401)  # rotated on node1, refused on node2
    assert (logout_status, after_logout_status) == (200, 401)  # revoked on node2, refused on node1
    figures["refresh token rotated on node1 then reused on node2; logged out on node2 then used on node1"] = (
        f"{reused_status}; {after_logout_status}"
    )


def test_the_anonymous_throttle_counts_across_nodes(topology, figures):
    client = {"X-Forwarded-For": "198.51.100.23"}  # one client, as nginx would pass it on
    ports = [topology.ports["node1"], topology.ports["node2"]]
    statuses = [call(ports[n % 2], "GET", "/api/posts", headers=client)[0] for n in range(ANON_QUOTA + 1)]

    assert statuses == [200] * ANON_QUOTA + [429]
    figures["ANON_THROTTLE_RATE 5/minute, requests alternating between the nodes"] = "5 answered, the 6th 429"


def test_reads_keep_answering_while_the_replica_stops(topology, nginx, bob, figures):
    with Load(nginx, bob, ["/api/posts", "/api/tags"]) as load:
        time.sleep(1)
        stopping = time.monotonic()
        topology.stop_postgres("replica", mode="fast")
        stopped_in = time.monotonic() - stopping
        time.sleep(2)

    assert load.statuses and load.errors() == 0, load.statuses
    answered_again = sum("answered from the primary" in entry["message"] for entry in topology.log_lines())
    status, _, health = call(nginx, "GET", "/api/healthchecker")
    assert status == 200
    assert health["database"] == "ok" and health["replicas"] == {"replica1": "unavailable"}
    later = [call(nginx, "GET", "/api/posts", headers=bob)[0] for _ in range(5)]
    assert later == [200] * 5
    figures["replica stopped mid-run (pg_ctl stop -m fast)"] = (
        f"{len(load.statuses)} GETs through nginx, {load.errors()} not 200 ({answered_again} met the replica "
        f"going away and were answered again from the primary); stop took {stopped_in:.1f} s; "
        "health 200 with replica1 unavailable"
    )


def test_gets_keep_answering_when_a_node_is_killed(topology, nginx, alice, bob, figures):
    with Load(nginx, bob, ["/api/posts", "/api/tags"]) as load:
        time.sleep(1)
        topology.kill_node("node1")  # SIGKILL to its master and workers
        time.sleep(2)
    writes = [call(nginx, "POST", "/api/posts", POST, alice)[0] for _ in range(4)]

    assert load.statuses and load.errors() == 0, load.statuses
    assert writes == [201] * 4
    entries = topology.nginx_log()
    figures["node1 killed mid-run (SIGKILL)"] = (
        f"{len(load.statuses)} GETs through nginx, {load.errors()} not 200; "
        f"{sum(',' in entry['upstreams'] for entry in entries)} passed on to node2 by nginx; "
        f"POSTs afterwards: {writes.count(201)}/4 created"
    )
    figures["requests through nginx in all"] = (
        f"{len(entries)}, of which 5xx: {sum(entry['status'] >= 500 for entry in entries)}"
    )
