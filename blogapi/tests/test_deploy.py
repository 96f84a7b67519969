"""The deployment files agree with the settings: docker-compose.yml, Dockerfile, .env.example."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_TEXT = (ROOT / "blogapi" / "settings.py").read_text()
DOCKERFILE_TEXT = (ROOT / "Dockerfile").read_text()
NGINX_CONF_TEXT = (ROOT / "deploy" / "nginx.conf").read_text()
API_NODES = ("api1", "api2")
READ_BY_GUNICORN = {"WEB_CONCURRENCY"}


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def env_example_names() -> set[str]:
    """Every ``NAME=`` line of .env.example, commented out or not."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {match[1] for line in lines if (match := re.match(r"#?\s*([A-Z][A-Z0-9_]*)=", line))}


def dockerfile_instructions(keyword: str) -> list[str]:
    """The Dockerfile's ``keyword`` instructions, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE_TEXT)
    return [line for line in joined.splitlines() if line.startswith(f"{keyword} ")]


def test_compose_has_the_scaled_out_shape(services):
    """API.md, Scale-out: nginx, two API nodes, a primary with a streaming replica, Redis, the worker."""
    assert {"nginx", "api1", "api2", "db", "db-replica", "redis", "worker"} <= services.keys()


@pytest.mark.parametrize("node", API_NODES)
def test_api_nodes_start_only_after_database_and_redis_are_healthy(services, node):
    depends_on = services[node]["depends_on"]
    assert depends_on["db"] == {"condition": "service_healthy"}
    assert depends_on["redis"] == {"condition": "service_healthy"}


def test_api_nodes_never_migrate_at_the_same_time(services):
    """Each node migrates on start (the image's entrypoint): the second waits for the first."""
    assert services["api2"]["depends_on"]["api1"] == {"condition": "service_healthy"}


def test_only_nginx_publishes_port_8000(services):
    assert any(str(port).endswith(":8000:80") for port in services["nginx"]["ports"])
    assert [name for name, service in services.items() if name != "nginx" and service.get("ports")] == []


def test_nginx_serves_deploy_nginx_conf_in_front_of_both_nodes(services):
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["nginx"]["volumes"]
    assert re.findall(r"^\s*server (\S+):8000\b", NGINX_CONF_TEXT, re.MULTILINE) == list(API_NODES)
    assert set(services["nginx"]["depends_on"]) == set(API_NODES)


def test_nginx_retries_only_what_may_run_twice_and_buffers_slow_clients():
    directives = dict(re.findall(r"^\s*(proxy_\w+|keepalive) (.+);", NGINX_CONF_TEXT, re.MULTILINE))
    assert directives["proxy_next_upstream"] == "error timeout http_502 http_503"  # never non_idempotent
    assert directives["proxy_buffering"] == directives["proxy_request_buffering"] == "on"
    assert directives["proxy_http_version"] == "1.1" and "keepalive" in directives
    assert "gzip on" not in NGINX_CONF_TEXT  # it would weaken the strong ETags If-Match needs


def test_api_nodes_and_worker_share_one_environment(services):
    assert services["api1"]["environment"] == services["api2"]["environment"] == services["worker"]["environment"]


def test_nodes_read_from_the_replica_behind_one_proxy(services):
    environment = services["api1"]["environment"]
    assert "@db-replica:5432/" in environment["DATABASE_REPLICA_URL"]
    assert "@db:5432/" in environment["DATABASE_URL"]
    assert environment["NUM_PROXIES"] == "${NUM_PROXIES:-1}"  # nginx appends the client to X-Forwarded-For
    assert environment["CACHE_URL"].startswith("redis://redis:")  # read-your-writes holds on every node


def test_replica_streams_from_the_primary(services):
    replica = services["db-replica"]
    assert replica["image"] == services["db"]["image"]
    assert replica["depends_on"] == {"db": {"condition": "service_healthy"}}
    script_path = next(volume.split(":")[0] for volume in replica["volumes"] if volume.endswith(".sh:ro"))
    script = (ROOT / script_path).read_text()
    assert "pg_basebackup" in script and "--write-recovery-conf" in script and "--wal-method=stream" in script
    init = next(volume for volume in services["db"]["volumes"] if "/docker-entrypoint-initdb.d/" in volume)
    assert "REPLICATION" in (ROOT / init.split(":")[0]).read_text()


@pytest.mark.parametrize("node", API_NODES)
def test_api_environment_configures_database_cache_secrets_and_production_mode(services, node):
    environment = services[node]["environment"]
    assert {
        "DATABASE_URL",
        "CACHE_URL",
        "SECRET_KEY",
        "JWT_PRIVATE_KEY",
        "JWT_PUBLIC_KEY",
        "DEBUG",
    } <= environment.keys()
    assert environment["DEBUG"] == "0"
    for secret in ("SECRET_KEY", "JWT_PRIVATE_KEY", "JWT_PUBLIC_KEY"):
        assert environment[secret].startswith(f"${{{secret}:?"), f"compose must refuse to start without {secret}"


def test_every_service_has_a_healthcheck(services):
    assert [name for name, service in services.items() if "healthcheck" not in service] == []


def test_env_example_lists_only_variables_the_settings_read():
    unread = {name for name in env_example_names() - READ_BY_GUNICORN if f'"{name}"' not in SETTINGS_TEXT}
    assert unread == set()


def test_env_example_lists_every_variable_the_settings_read():
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', SETTINGS_TEXT))
    assert read - env_example_names() == set()


def test_dockerfile_collects_static_files_at_build_time_without_keeping_a_generated_key():
    (collectstatic,) = [run for run in dockerfile_instructions("RUN") if "manage.py collectstatic" in run]
    assert "rm -rf .data" in collectstatic


def test_dockerfile_serves_with_gunicorn_as_a_non_root_user():
    (serve,) = [cmd for cmd in dockerfile_instructions("CMD") if "gunicorn blogapi.wsgi" in cmd]
    assert "--no-control-socket" in serve  # no writable home for the socket: an error at every start
    users = dockerfile_instructions("USER")
    assert users and users[-1] not in ("USER root", "USER 0")


def test_image_applies_migrations_before_serving():
    assert any("manage.py migrate --no-input" in entrypoint for entrypoint in dockerfile_instructions("ENTRYPOINT"))


def test_dockerignore_keeps_secrets_and_local_data_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().splitlines())
    assert {".env", ".data", ".venv", ".git"} <= ignored


def test_compose_takes_every_database_password_from_the_environment(services):
    text = (ROOT / "docker-compose.yml").read_text()
    assert "blog:blog@" not in text and "replicate" not in text
    assert services["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert services["db"]["environment"]["REPLICATION_PASSWORD"].startswith("${REPLICATION_PASSWORD:?")
    assert "${POSTGRES_PASSWORD:?" in services["api1"]["environment"]["DATABASE_URL"]


def test_make_env_writes_fresh_secrets_the_settings_accept(tmp_path):
    import subprocess
    import sys

    from blogapi.jwt_keys import load_jwt_keys

    def new_env() -> dict[str, str]:
        done = subprocess.run(
            [sys.executable, "deploy/new_env.py"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        return dict(line.split("=", 1) for line in done.stdout.splitlines() if not line.startswith("#"))

    first, second = new_env(), new_env()

    assert set(first) == {
        "SECRET_KEY",
        "JWT_PRIVATE_KEY",
        "JWT_PUBLIC_KEY",
        "POSTGRES_PASSWORD",
        "REPLICATION_PASSWORD",
    }
    assert all(first[name] != second[name] for name in first)  # fresh each time
    load_jwt_keys(
        algorithm="RS256",
        private_key=first["JWT_PRIVATE_KEY"],
        public_key=first["JWT_PUBLIC_KEY"],
        debug=False,
        data_dir=tmp_path,
    )
    assert len(first["SECRET_KEY"]) >= 50
