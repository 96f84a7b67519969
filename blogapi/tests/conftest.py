import pytest

# Figures the topology test measured (blogapi/tests/test_topology.py), printed after the run.
TOPOLOGY_FIGURES = pytest.StashKey[dict]()


def pytest_terminal_summary(terminalreporter, config):
    figures = config.stash.get(TOPOLOGY_FIGURES, None)
    if figures:
        terminalreporter.section("scale-out topology figures")
        for name, value in figures.items():
            terminalreporter.write_line(f"{name}: {value}")
