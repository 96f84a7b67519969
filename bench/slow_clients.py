"""Slow clients against gunicorn without nginx: do idle, half-sent requests starve real ones?

    make slow-clients   (SLOW_CLIENTS_ARGS="--mode idle --slow-clients 6" for other cases)

For each worker setup (the sync workers `make run` used to start, and gthread workers with
threads), opens SLOW_CLIENTS connections that send a request line and one header and then
trickle a header line every few seconds (never finishing the request), and meanwhile sends
real requests one after the other for WINDOW seconds, each with a TIMEOUT: how many were
answered, and how fast. Behind nginx (docker-compose.yml) nginx absorbs slow clients; this
is about `make run` and the bare Docker image.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SETUPS = {
    "sync, 2 workers": ["--workers", "2"],
    "gthread, 2 workers x 4 threads": ["--workers", "2", "--worker-class", "gthread", "--threads", "4"],
    "gthread, 2 workers x 8 threads": ["--workers", "2", "--worker-class", "gthread", "--threads", "8"],
    "gthread, 2 workers x 32 threads": ["--workers", "2", "--worker-class", "gthread", "--threads", "32"],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str, timeout: float) -> int:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def start(args: list[str], log) -> tuple[subprocess.Popen, int]:
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "blogapi.wsgi", "--bind", f"{HOST}:{port}", "--no-control-socket", *args]
    server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if get(port, "/api/healthchecker", 2) == 200:
                return server, port
        time.sleep(0.2)
    server.kill()
    sys.exit("gunicorn did not start")


class SlowClients:
    """Connections that start a request and never finish it (slowloris)."""

    def __init__(self, port: int, count: int, mode: str, trickle_every: float = 3.0):
        self.port, self.count, self.mode, self.trickle_every = port, count, mode, trickle_every
        self.sockets: list[socket.socket] = []
        self.stopped = threading.Event()

    def __enter__(self):
        for _ in range(self.count):
            sock = socket.create_connection((HOST, self.port), timeout=5)
            if self.mode != "idle":
                sock.sendall(b"GET /api/posts HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            self.sockets.append(sock)
        if self.mode == "trickle":
            threading.Thread(target=self.trickle, daemon=True).start()
        return self

    def trickle(self) -> None:
        while not self.stopped.wait(self.trickle_every):
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.sendall(b"X-Slow: 1\r\n")

    def __exit__(self, *exc):
        self.stopped.set()
        for sock in self.sockets:
            sock.close()


def measure(port: int, window: float, timeout: float) -> tuple[int, int, list[float]]:
    answered, sent, latencies = 0, 0, []
    deadline = time.monotonic() + window
    while time.monotonic() < deadline:
        started = time.monotonic()
        sent += 1
        with contextlib.suppress(OSError):
            if get(port, "/api/posts?limit=5", timeout) == 200:
                answered += 1
                latencies.append(time.monotonic() - started)
    return answered, sent, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slow-clients", type=int, default=50)
    parser.add_argument("--window", type=float, default=15.0, help="seconds of real requests per setup")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds a real request may take")
    parser.add_argument(
        "--mode",
        choices=["trickle", "partial", "idle"],
        default="trickle",
        help="slow clients trickle a header line every 3 s / send half a request, then nothing / only connect",
    )
    parser.add_argument("--setups", nargs="*", choices=list(SETUPS), default=list(SETUPS))
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("DATABASE_URL is unset: run through `python -m blogapi.embedded_postgres --throwaway --`")
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input"], cwd=ROOT, check=True, capture_output=True)

    print(
        f"{args.slow_clients} slow clients ({args.mode}); real requests one at a time for {args.window:.0f} s, {args.timeout:.0f} s timeout"
    )
    for name in args.setups:
        setup = SETUPS[name]
        with tempfile.TemporaryFile() as log:
            server, port = start(setup, log)
            try:
                baseline = measure(port, 3, args.timeout)
                with SlowClients(port, args.slow_clients, args.mode):
                    time.sleep(0.5)
                    answered, sent, latencies = measure(port, args.window, args.timeout)
            finally:
                server.terminate()
                server.wait(30)
        median = statistics.median(latencies) * 1000 if latencies else float("nan")
        worst = max(latencies) * 1000 if latencies else float("nan")
        base = statistics.median(baseline[2]) * 1000 if baseline[2] else float("nan")
        print(
            f"{name:34} alone: {baseline[0]} answered in 3 s (median {base:.1f} ms) | "
            f"with slow clients: {answered}/{sent} answered, median {median:.1f} ms, slowest {worst:.0f} ms"
        )


if __name__ == "__main__":
    main()
