"""Fixtures for driving ``kashoo_api`` against a real Kashoo sandbox over real sockets."""

import pytest


@pytest.fixture
def sandbox():
    """A fresh small sandbox per test: no server-side rate limit, consent auto-approved."""
    from kashoo_sandbox import SandboxServer

    with SandboxServer(seed=7, size=60, rate_limit=0, auto_approve=True) as server:
        yield server
