"""Start-up configuration checks (API.md, Tokens; issue: settings fail clearly in production)."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from blogapi.jwt_keys import load_jwt_keys, new_key_pair

ROOT = Path(__file__).resolve().parents[2]


def manage_check(**env) -> subprocess.CompletedProcess:
    """Run `manage.py check` in a clean environment (a real database URL, so nothing embedded starts)."""
    environment = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/none",
        "JWT_PRIVATE_KEY": "",
        "JWT_PUBLIC_KEY": "",
        **env,
    }
    environment = {name: value for name, value in environment.items() if value is not None}  # None: unset
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


KEYS = dict(algorithm="RS256", debug=False, data_dir=Path("/nonexistent"))


def test_base64_and_raw_pem_keys_are_accepted():
    private, public = new_key_pair()
    b64 = base64.b64encode(private.encode()).decode(), base64.b64encode(public.encode()).decode()
    assert load_jwt_keys(private_key=b64[0], public_key=b64[1], **KEYS) == load_jwt_keys(
        private_key=private, public_key=public, **KEYS
    )


def test_keys_under_2048_bits_are_refused():
    private, public = new_key_pair(1024)
    with pytest.raises(ImproperlyConfigured, match="2048"):
        load_jwt_keys(private_key=private, public_key=public, **KEYS)


def test_mismatched_public_key_is_refused():
    private, _ = new_key_pair()
    _, other_public = new_key_pair()
    with pytest.raises(ImproperlyConfigured, match="does not match"):
        load_jwt_keys(private_key=private, public_key=other_public, **KEYS)


def test_only_rsa_algorithms_are_accepted():
    private, public = new_key_pair()
    with pytest.raises(ImproperlyConfigured, match="JWT_ALGORITHM"):
        load_jwt_keys(private_key=private, public_key=public, **{**KEYS, "algorithm": "HS256"})


def test_development_key_pair_is_generated_once(tmp_path):
    first = load_jwt_keys(private_key="", public_key="", **{**KEYS, "debug": True, "data_dir": tmp_path})
    second = load_jwt_keys(private_key="", public_key="", **{**KEYS, "debug": True, "data_dir": tmp_path})
    assert first == second
    assert (tmp_path / "jwt_private_key.pem").stat().st_mode & 0o077 == 0


def test_production_start_up_without_jwt_keys_fails_naming_them():
    result = manage_check(DEBUG="0", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "JWT_PRIVATE_KEY" in result.stderr and "JWT_PUBLIC_KEY" in result.stderr
    assert result.stderr.startswith("Configuration error:")  # a message, not a traceback


def test_production_start_up_without_secret_key_fails_naming_it():
    private, public = new_key_pair()
    result = manage_check(DEBUG="0", SECRET_KEY="", JWT_PRIVATE_KEY=private, JWT_PUBLIC_KEY=public)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_start_up_with_small_key_fails():
    private, public = new_key_pair(1024)
    result = manage_check(DEBUG="0", SECRET_KEY="x" * 50, JWT_PRIVATE_KEY=private, JWT_PUBLIC_KEY=public)
    assert result.returncode != 0
    assert "2048" in result.stderr


def test_production_start_up_with_good_keys_passes():
    private, public = new_key_pair()
    result = manage_check(DEBUG="0", SECRET_KEY="x" * 50, JWT_PRIVATE_KEY=private, JWT_PUBLIC_KEY=public)
    assert result.returncode == 0, result.stderr


def test_production_start_up_without_database_url_fails_naming_it():
    """The embedded PostgreSQL is for development only: DEBUG off never starts one."""
    private, public = new_key_pair()
    result = manage_check(
        DEBUG="0", SECRET_KEY="x" * 50, JWT_PRIVATE_KEY=private, JWT_PUBLIC_KEY=public, DATABASE_URL=None
    )
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    assert result.stderr.startswith("Configuration error:")


def test_production_settings_pass_the_deploy_check():
    private, public = new_key_pair()
    environment = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/none",
        "DEBUG": "0",
        "SECRET_KEY": "k" * 30 + "Zq8#vX!2m@Lp4$Rt7^Wy9&Bn",
        "JWT_PRIVATE_KEY": private,
        "JWT_PUBLIC_KEY": public,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_pages_mask_urls_with_passwords(settings, rf):
    from django.views.debug import get_default_exception_reporter_filter

    settings.DEBUG = True
    settings.CACHES = {"default": {"BACKEND": "x", "LOCATION": "redis://:hunter2@redis:6379/0"}}
    reporter_filter = get_default_exception_reporter_filter()

    safe = reporter_filter.get_safe_settings()
    request = rf.get("/", DATABASE_URL="postgres://blog:hunter2@db/blog")

    assert "hunter2" not in str(safe["CACHES"])
    assert "hunter2" not in str(reporter_filter.get_safe_request_meta(request))
