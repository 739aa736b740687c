"""Fixtures for the Kashoo sandbox tests: real servers on 127.0.0.1 with free ports."""

from __future__ import annotations

import pytest
from sandbox_helpers import WebhookReceiver

from kashoo_sandbox import SandboxServer


@pytest.fixture
def sandbox():
    """A fresh, small sandbox per test: no rate limit, fast webhook retries."""
    with SandboxServer(
        seed=7, size=60, rate_limit=0, time_scale=0.001, webhook_verification_delay=0
    ) as server:
        yield server


@pytest.fixture(scope="module")
def demo_sandbox():
    """The demo data set (seed 42, size 200), shared read-only by a module's tests."""
    with SandboxServer(seed=42, size=200, rate_limit=0) as server:
        yield server


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    yield server
    server.stop()
