"""Shared by every pytest suite: the import path, and one marker per suite.

The repository root goes on ``sys.path`` for ``kashoo_sandbox``, and ``kashoo_connector/`` for
its Odoo-free packages (``kashoo_api``, ``kashoo_mapper``, ``kashoo_logic``): importing them
through the addon would run its ``__init__``, which imports ``odoo``.
"""

import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent
for path in (REPO_ROOT / "kashoo_connector", REPO_ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

# tests/<folder>/ -> the marker its tests get (registered in pyproject.toml).
SUITE_MARKERS = {
    "kashoo_api": "unit",
    "kashoo_mapper": "unit",
    "health": "unit",
    "kashoo_logic": "unit",
    "deployment": "unit",
    "audit": "unit",
    "sandbox": "sandbox",
    "integration": "integration",
    "interop": "interop",
    "e2e": "e2e",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        suite = Path(item.fspath).resolve().relative_to(TESTS_DIR).parts[0]
        if suite not in SUITE_MARKERS:
            # A new folder must say which suite it belongs to, or `-m` would silently skip it.
            raise pytest.UsageError(f"tests/{suite}: add it to SUITE_MARKERS in {__file__}")
        item.add_marker(SUITE_MARKERS[suite])
