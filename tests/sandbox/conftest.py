"""Fixtures for the Kashoo sandbox tests: real servers on 127.0.0.1 with free ports."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The repository root, so that ``kashoo_sandbox`` imports (ruff allows imports after this).
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sandbox_helpers import WebhookReceiver

from kashoo_sandbox import SandboxServer


@pytest.fixture
def sandbox():
    """A fresh, small sandbox per test: no rate limit, fast webhook retries."""
    with SandboxServer(seed=7, size=60, rate_limit=0, time_scale=0.001,
                       webhook_verification_delay=0) as server:
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


def pytest_configure(config):
    # Werkzeug 2.2.2 (Odoo 18's pin) compiles routes with ast.Str, deprecated on Python 3.12:
    # thousands of warnings per run that say nothing about this code.
    config.addinivalue_line("filterwarnings",
                            "ignore::DeprecationWarning:werkzeug.routing.rules")
    config.addinivalue_line("filterwarnings",
                            "ignore:Attribute s is deprecated:DeprecationWarning")
