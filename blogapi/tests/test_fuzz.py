"""Schema-driven testing: schemathesis against a live server, authenticated with a real token.

It finds no server error, no response that violates the schema, no undocumented status.
The contract's 400 for well-formed but wrong credentials or mismatched passwords is
intended, hence ``positive_data_acceptance`` is excluded. Bounded here (CI); ``make fuzz``
runs longer through FUZZ_MAX_EXAMPLES / FUZZ_MAX_TIME.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import UserFactory
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.schemathesis

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "15")
MAX_TIME = os.environ.get("FUZZ_MAX_TIME", "60")


def schemathesis(live_server, token: str, *, phases: str, exclude_checks: str) -> str:
    """Run the CLI; fail unless it passed and tested every operation of the schema."""
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(Path(__file__).with_name("schemathesis.toml")),
            "run",
            f"{live_server.url}/api/schema/",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            "--exclude-checks",
            exclude_checks,
            "--phases",
            phases,
            "--max-examples",
            MAX_EXAMPLES,
            "--max-time",
            MAX_TIME,
            "--request-timeout",
            "10",
            "--seed",
            os.environ.get("FUZZ_SEED", "1"),
            "--no-color",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "blogapi.tests.schemathesis_hooks", "PYTHONPATH": str(ROOT)},
        timeout=int(MAX_TIME) * 3 + 60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout[-6000:]
    selected, tested = re.search(r"Selected: (\d+)/\d+\s+Tested: (\d+)", result.stdout).groups()
    assert int(selected) >= 19
    assert tested == selected, result.stdout[-3000:]
    return result.stdout


@pytest.fixture
def token(transactional_db):
    user = UserFactory()
    PostFactory.create_batch(3, user=user)
    return str(RefreshToken.for_user(user).access_token)


def test_fuzzing_and_stateful_phases_find_nothing(live_server, token):
    schemathesis(live_server, token, phases="examples,fuzzing,stateful", exclude_checks="positive_data_acceptance")


def test_coverage_phase_finds_nothing(live_server, token):
    # schemathesis 4.32's coverage phase flags a valid body with an extra "errors" property
    # as schema-violating (a generator bug); the other phases keep negative_data_rejection.
    schemathesis(
        live_server, token, phases="coverage", exclude_checks="positive_data_acceptance,negative_data_rejection"
    )
