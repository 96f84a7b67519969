"""The deployment files agree with the settings: docker-compose.yml, Dockerfile, .env.example."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_TEXT = (ROOT / "blogapi" / "settings.py").read_text()
DOCKERFILE_TEXT = (ROOT / "Dockerfile").read_text()
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


def test_compose_has_database_cache_and_api_services(services):
    assert {"db", "redis", "api"} <= services.keys()


def test_api_starts_only_after_database_and_redis_are_healthy(services):
    assert services["api"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }


def test_api_publishes_port_8000(services):
    assert any(str(port).endswith(":8000") for port in services["api"]["ports"])


def test_api_environment_configures_database_cache_secrets_and_production_mode(services):
    environment = services["api"]["environment"]
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
    assert any("gunicorn blogapi.wsgi" in cmd for cmd in dockerfile_instructions("CMD"))
    users = dockerfile_instructions("USER")
    assert users and users[-1] not in ("USER root", "USER 0")


def test_image_applies_migrations_before_serving():
    assert any("manage.py migrate --no-input" in entrypoint for entrypoint in dockerfile_instructions("ENTRYPOINT"))


def test_dockerignore_keeps_secrets_and_local_data_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().splitlines())
    assert {".env", ".data", ".venv", ".git"} <= ignored
