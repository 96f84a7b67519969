"""Benchmark of the blog API: ``make bench`` (``BENCH_ARGS="--sizes 2000,20000"`` for a quick run).

At each size (10,000 then 1,000,000 generated posts by default), seeds the throw-away
database that ``make bench`` provides (DATABASE_URL), serves the API with gunicorn (2 sync
workers, as behind a buffering proxy), and times each scenario with 1 and 4 clients
(median, p99, req/s); then compares the sizes, times the admin pages and prints EXPLAIN
ANALYZE of the list view's queries.
The floor is a bare JSON hello (bench/hello.py) served by the same gunicorn settings: each
scenario's req/s is also printed as a share of the hello's. It prints figures and asserts
nothing: compare them as ratios within one run.
"""

import argparse
import contextlib
import http.client
import itertools
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SEARCH = "django postgres"
Q_BROAD = "server"  # a common word: many matches, ranking and total cost the most
Q_NARROW = '"replica backup"'  # a phrase: few matches
TAG = "django"  # the head of the long tail (about 40 % of the posts)
RARE_TAG = "small css"  # its tail
DEEP_PAGE = 5000
DEEP_CURSOR = 50_000  # posts before the cursor
HUNDRED_TERMS = " ".join(["e"] * 100)  # 199 characters: the probe of issue 15 (deduplicated, capped)
ROW = "{:<24} {:>7} {:>8} {:>6} {:>9} {:>8} {:>8} {:>8} {:>8}"


@dataclass
class Result:
    name: str
    clients: int
    requests: int
    errors: list[str]
    median_ms: float
    p99_ms: float
    rps: float
    share: float = 0.0  # req/s as a % of the bare hello's with as many clients (print_table)


def call(port, method, path, body=None, headers=None):
    """One request on a fresh connection: (status, headers, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def measure(port, scenario, clients, count, max_seconds) -> Result:
    """``count`` requests (fewer if ``max_seconds`` runs out) from ``clients`` threads, one connection each."""
    name, method, path, headers, body = scenario
    latencies, errors = [], []
    lock = threading.Lock()
    issued = 0
    deadline = time.perf_counter() + max_seconds

    def client():
        nonlocal issued
        # One connection a client, kept alive while the server keeps it (else it reconnects).
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        while True:
            with lock:
                if issued >= count or time.perf_counter() > deadline:
                    return conn.close()
                issued += 1
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body() if callable(body) else body, headers=headers)
                response = conn.getresponse()
                status, data = response.status, response.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                status, data = None, repr(exc).encode()
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                if status is None or not (200 <= status < 300 or status == 304):
                    errors.append(f"{status} {data[:150]!r}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    p99 = statistics.quantiles(latencies, n=100, method="inclusive")[98] if len(latencies) > 1 else latencies[0]
    median = statistics.median(latencies)
    return Result(name, clients, len(latencies), errors, median * 1000, p99 * 1000, len(latencies) / seconds)


def manage(*args) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def start_gunicorn(log, app="blogapi.wsgi", ready="/api/healthchecker") -> tuple[subprocess.Popen, int]:
    """gunicorn serving ``app`` on a free port, once ``ready`` answers."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    gunicorn = Path(sys.executable).parent / "gunicorn"
    # 2 sync workers, as the measurements of this API and the tutorial's: the fastest
    # setting behind a buffering proxy. (make run's gthread workers, for slow clients without
    # one, served this list 20 % slower and the hello twice as fast: keep-alive.)
    cmd = [str(gunicorn), app, "--bind", f"{HOST}:{port}", "--workers", "2", "--no-control-socket"]
    server = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        with contextlib.suppress(OSError):
            if call(port, "GET", ready)[0] == 200:
                return server, port
        time.sleep(0.2)
    server.terminate()
    server.wait()
    log.seek(0)
    sys.exit(f"gunicorn did not become healthy:\n{log.read().decode(errors='replace')[-3000:]}")


def cookie(headers, name: str) -> str | None:
    morsel = SimpleCookie("; ".join(headers.get_all("Set-Cookie") or [])).get(name)
    return None if morsel is None else f"{name}={morsel.value}"


def admin_login(port, email, password) -> str | None:
    """Django's admin login form; the session's Cookie header, or None when refused."""
    status, headers, page = call(port, "GET", "/admin/login/")
    token, csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page), cookie(headers, "csrftoken")
    if status != 200 or not token or not csrf:
        return None
    form = {"csrfmiddlewaretoken": token.group(1).decode(), "username": email, "password": password, "next": "/admin/"}
    form_type = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": csrf}
    status, headers, _ = call(port, "POST", "/admin/login/", urlencode(form), form_type)
    return cookie(headers, "sessionid") if status == 302 else None


def pg_connect():
    """psycopg on DATABASE_URL; client-side binding, as Django does, so that Django's SQL runs as is."""
    import psycopg

    url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    return psycopg.connect(url, cursor_factory=psycopg.ClientCursor, autocommit=True)


def explain(queries: dict[str, dict[str, str]]) -> list[str]:
    """EXPLAIN ANALYZE of the count and page queries the list view runs for each set of parameters."""
    from types import SimpleNamespace

    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.http import QueryDict

    from posts.filters import PostFilter
    from posts.models import Post

    lines = []
    with pg_connect() as pg:
        for name, params in queries.items():
            offset = (int(params.get("page", 1)) - 1) * 10  # the default limit
            anonymous = SimpleNamespace(user=AnonymousUser())
            filterset = PostFilter(
                QueryDict(urlencode(params)), queryset=Post.objects.with_author().with_tag_names(), request=anonymous
            )
            qs = filterset.qs
            captured = []

            def capture(execute, sql, sql_params, many, context, captured=captured):
                captured.append((sql, sql_params))
                return execute(sql, sql_params, many, context)

            with connection.execute_wrapper(capture):
                if filterset.total() is None:  # else the kept counts (posts.counts) gave it
                    qs.count()
                list(qs[offset : offset + 10])
            for label, (sql, sql_params) in zip(("total", "page"), captured[-2:], strict=True):
                plan = [row[0] for row in pg.execute("EXPLAIN (ANALYZE, BUFFERS off) " + sql, sql_params)]
                nodes = [re.sub(r"^[\s>-]*|\s+\((cost|actual)=.*$", "", line) for line in plan]
                scans = sorted({node for node in nodes if "Scan" in node})
                took = next(line for line in plan if line.startswith("Execution Time")).split(": ")[1]
                lines.append(f"  {name + ' ' + label:<16} {took:>12}  top: {nodes[0]}")
                lines.extend(f"  {'':<16} {'':>12}  scan: {scan}" for scan in scans)
    return lines


def print_table(results: list[Result], health: dict[int, float], hello: dict[int, float]) -> None:
    print(
        ROW.format("scenario", "clients", "requests", "errors", "median ms", "p99 ms", "req/s", "x health", "% hello")
    )
    for r in results:
        ratio = f"{r.median_ms / health[r.clients]:.1f}x" if r.clients in health else ""
        r.share = 100 * r.rps / hello[r.clients] if r.clients in hello else 0.0
        share = f"{r.share:.1f}%" if r.clients in hello else ""
        numbers = (r.requests, len(r.errors), f"{r.median_ms:.1f}", f"{r.p99_ms:.1f}", f"{r.rps:.1f}", ratio, share)
        print(ROW.format(r.name, r.clients, *numbers) + ("  <-- ERRORS" if r.errors else ""))
    for r in results:
        for error in sorted(set(r.errors))[:3]:
            print(f"  error in {r.name} ({r.clients} clients): {error}")


def run_api(port, args, password) -> list[Result]:
    credentials = json.dumps({"email": "alice@example.com", "password": password})
    status, _, body = call(port, "POST", "/api/auth/login", credentials, {"Content-Type": "application/json"})
    if status != 200:
        sys.exit(f"login failed: {status} {body[:300]!r}")
    auth = {"Authorization": f"Bearer {json.loads(body)['access_token']}"}
    first_post = json.loads(call(port, "GET", "/api/posts?limit=1", headers=auth)[2])["posts"][0]
    post_id, post_slug = first_post["id"], first_post["slug"]
    list_etag = call(port, "GET", "/api/posts", headers=auth)[1]["ETag"]
    deep_cursor = cursor_at(DEEP_CURSOR)
    new_post = {"content": "Written by the benchmark.", "category": "bench", "image": "b.png", "tags": ["bench"]}
    numbers = itertools.count(1)

    def create_body() -> str:
        # Each its own title, as real posts have: creates of one title at the same moment queue
        # on its next free slug (posts.slugs; correct, and tested, but not what this measures).
        return json.dumps({**new_post, "title": f"Bench post {next(numbers)} {time.time_ns()}"})

    scenarios = [
        ("healthchecker", "GET", "/api/healthchecker", {}, None),
        ("list", "GET", "/api/posts", auth, None),
        ("list anonymous", "GET", "/api/posts", {}, None),
        ("list If-None-Match", "GET", "/api/posts", auth | {"If-None-Match": list_etag}, None),
        ("list status=all", "GET", "/api/posts?status=all", auth, None),
        ("list limit=100", "GET", "/api/posts?limit=100", auth, None),
        (f"page={DEEP_PAGE}", "GET", f"/api/posts?page={DEEP_PAGE}&limit=10", auth, None),
        (f"cursor at {DEEP_CURSOR:,}", "GET", "/api/posts?" + urlencode({"cursor": deep_cursor}), auth, None),
        ("search= 100 terms", "GET", "/api/posts?" + urlencode({"search": HUNDRED_TERMS}), {}, None),
        (f"search={SEARCH}", "GET", "/api/posts?" + urlencode({"search": SEARCH}), auth, None),
        ("category=python", "GET", "/api/posts?category=python", auth, None),
        (f"q={Q_BROAD}", "GET", "/api/posts?" + urlencode({"q": Q_BROAD}), {}, None),
        (f"q={Q_NARROW}", "GET", "/api/posts?" + urlencode({"q": Q_NARROW}), {}, None),
        (f"tag={TAG}", "GET", "/api/posts?" + urlencode({"tag": TAG}), {}, None),
        (f"tag={RARE_TAG}", "GET", "/api/posts?" + urlencode({"tag": RARE_TAG}), {}, None),
        ("q+tag", "GET", "/api/posts?" + urlencode({"q": Q_NARROW, "tag": TAG}), {}, None),
        ("tags list", "GET", "/api/tags", {}, None),
        ("feed atom", "GET", "/feed/atom", {}, None),
        ("ordering=title", "GET", "/api/posts?ordering=title", auth, None),
        ("retrieve", "GET", f"/api/posts/{post_id}", auth, None),
        ("retrieve by slug", "GET", f"/api/posts/{post_slug}", {}, None),
        ("create", "POST", "/api/posts", auth | {"Content-Type": "application/json"}, create_body),
    ]
    results = []
    for scenario in scenarios:
        measure(port, scenario, 1, 3, args.max_seconds)  # warm-up
        for clients in (1, 4):
            results.append(measure(port, scenario, clients, args.requests, args.max_seconds))
            print(f"  {scenario[0]} x{clients}: median {results[-1].median_ms:.1f} ms")
    return results


def cursor_at(depth: int) -> str:
    """The cursor of the default list after ``depth`` live posts (or halfway, in a smaller run)."""
    from blogapi import keyset
    from posts.models import Post

    live = Post.objects.live().order_by("-published_at", "-id")
    post = live[min(depth, live.count() // 2)]
    return keyset.encode([post.published_at, post.pk], backwards=False)


def run_health_under_searches(port, args) -> list[Result]:
    """The health check (1 client) while 4 clients send the 100-term search of issue 15 without pause."""
    stop = threading.Event()
    path = "/api/posts?" + urlencode({"search": HUNDRED_TERMS, "page": DEEP_PAGE, "limit": 100})
    statuses = []

    def attacker():
        while not stop.is_set():
            statuses.append(call(port, "GET", path)[0])

    attackers = [threading.Thread(target=attacker) for _ in range(4)]
    for thread in attackers:
        thread.start()
    try:
        time.sleep(1)
        health = measure(
            port, ("health, 4 x 100 terms", "GET", "/api/healthchecker", {}, None), 1, 50, args.max_seconds
        )
    finally:
        stop.set()
        for thread in attackers:
            thread.join()
    counted = {status: statuses.count(status) for status in sorted(set(statuses))}
    print(f"  100-term searches at page {DEEP_PAGE}, limit 100, during the health check: statuses {counted}")
    return [health]


def run_hello(args) -> list[Result]:
    with tempfile.TemporaryFile() as log:
        server, port = start_gunicorn(log, app="bench.hello:app", ready="/")
        try:
            scenario = ("bare JSON hello", "GET", "/", {}, None)
            measure(port, scenario, 1, 20, args.max_seconds)  # warm-up
            return [measure(port, scenario, clients, args.requests * 5, args.max_seconds) for clients in (1, 4)]
        finally:
            server.terminate()
            server.wait(timeout=30)


def run_admin(port, args, password) -> list[Result]:
    session = admin_login(port, "mod@example.com", password)
    status = call(port, "GET", "/admin/posts/post/", headers={"Cookie": session})[0] if session else "-"
    if status != 200:
        print(f"admin not available (login as mod@example.com {'ok' if session else 'refused'}; changelist {status})")
        return []
    from posts.models import Post

    post_id = Post.objects.values_list("id", flat=True).first()
    since = (datetime.now(UTC) - timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    pages = {
        "admin changelist": "/admin/posts/post/",
        "admin search=django": "/admin/posts/post/?q=django",
        "admin created_at filter": "/admin/posts/post/?" + urlencode({"created_at__gte": str(since)}),
        "admin drafts": "/admin/posts/post/?publication=draft",
        "admin scheduled": "/admin/posts/post/?publication=scheduled",
        "admin change page": f"/admin/posts/post/{post_id}/change/",
    }
    results = []
    for name, path in pages.items():
        scenario = (name, "GET", path, {"Cookie": session}, None)
        measure(port, scenario, 1, 2, args.max_seconds)  # warm-up
        results.append(measure(port, scenario, 1, 20, args.max_seconds))
    return results


def seed_to(total: int) -> None:
    """Generated posts up to ``total`` (more seeding adds to what the last size left)."""
    from posts.models import Post

    missing = total - Post.objects.count()
    if missing <= 0:
        return
    print(f"bench: seeding {missing:,} posts ...")
    start = time.perf_counter()
    seeded = manage("seed", "--posts", str(missing), "--with-demo-logins").strip().splitlines()[-1]
    seconds = time.perf_counter() - start
    print(f"bench: seed took {seconds:.1f} s ({missing / seconds:,.0f} posts/s): {seeded}")
    with pg_connect() as pg:  # as a table long in service is; else autovacuum may run during the timings
        pg.execute("VACUUM (ANALYZE) posts_post")
        pg.execute("VACUUM (ANALYZE) posts_posttag")


def run_size(args, posts: int, *, admin: bool) -> dict[tuple[str, int], Result]:
    from posts.management.commands.seed import DEMO_PASSWORD

    seed_to(posts)
    hello_results = run_hello(args)
    with tempfile.TemporaryFile() as log:
        server, port = start_gunicorn(log)
        try:
            results = hello_results + run_api(port, args, DEMO_PASSWORD) + run_health_under_searches(port, args)
            admin_results = run_admin(port, args, DEMO_PASSWORD) if admin else []
        finally:
            server.terminate()
            server.wait(timeout=30)

    print(f"\nAPI ({posts:,} generated posts; gunicorn, 2 sync workers; {os.cpu_count()} CPUs)")
    print("x health = median / healthchecker median with as many clients; % hello = req/s / bare hello req/s")
    health = {r.clients: r.median_ms for r in results if r.name == "healthchecker"}
    hello = {r.clients: r.rps for r in hello_results}
    print_table(results, health, hello)
    median = {(r.name, r.clients): r.median_ms for r in results}
    search = [median[f"search={SEARCH}", n] / median["list", n] for n in (1, 4)]
    print(f"search vs list: median x{search[0]:.1f} with 1 client, x{search[1]:.1f} with 4")
    not_modified = [median["list If-None-Match", n] / median["list", n] for n in (1, 4)]
    print(f"304 vs 200 of the list: median x{not_modified[0]:.2f} with 1 client, x{not_modified[1]:.2f} with 4")
    if admin_results:
        print("\nadmin pages (as mod@example.com)")
        print_table(admin_results, health, hello)
    return {(r.name, r.clients): r for r in results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes",
        default="10000,1000000",
        help="generated posts at each measured size, comma-separated, growing (default 10000,1000000)",
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per scenario and client count")
    parser.add_argument("--max-seconds", type=float, default=20, help="time bound per scenario and client count")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    began = time.perf_counter()
    sys.stdout.reconfigure(line_buffering=True)
    if not os.environ.get("DATABASE_URL"):
        sys.exit("DATABASE_URL is unset: run `make bench`, which provides a throw-away database.")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blogapi.settings")
    import django

    django.setup()
    manage("migrate", "--no-input")
    by_size = {size: run_size(args, size, admin=size == sizes[-1]) for size in sizes}

    if len(sizes) > 1:
        small, large = by_size[sizes[0]], by_size[sizes[-1]]
        print(f"\n{sizes[-1]:,} vs {sizes[0]:,} posts: p99 and % hello of each scenario (4 clients)")
        for name, clients in small:
            if clients == 4 and (name, clients) in large:
                was, now = small[name, clients], large[name, clients]
                print(
                    f"  {name:<24} p99 x{now.p99_ms / was.p99_ms:.2f}   % hello {now.share:.1f}% (was {was.share:.1f}%)"
                )

    print("\nEXPLAIN (ANALYZE): the list view's total and page queries, execution time and plan")
    queries = {
        "list": {},
        "search": {"search": SEARCH},
        "category": {"category": "python"},
        "q broad": {"q": Q_BROAD},
        "q narrow": {"q": Q_NARROW},
        "tag": {"tag": TAG},
        "rare tag": {"tag": RARE_TAG},
        "q + tag": {"q": Q_NARROW, "tag": TAG},
    }
    print("\n".join(explain(queries | {"deep page": {"page": DEEP_PAGE}})))
    print(f"bench: done in {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
