"""Fixtures for driving ``kashoo_api`` against a real Kashoo sandbox over real sockets.

The repository root goes on ``sys.path`` for ``kashoo_sandbox``, and ``kashoo_connector/``
for ``kashoo_api`` (importing it through the addon would import Odoo).
"""

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
for path in (REPO_ROOT, REPO_ROOT / "kashoo_connector"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


@pytest.fixture
def sandbox():
    """A fresh small sandbox per test: no server-side rate limit, consent auto-approved."""
    from kashoo_sandbox import SandboxServer

    with SandboxServer(seed=7, size=60, rate_limit=0, auto_approve=True) as server:
        yield server
