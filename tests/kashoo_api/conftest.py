"""Make ``kashoo_api`` importable on its own, without the Odoo addon around it.

Importing ``kashoo_connector.kashoo_api`` would run the addon's ``__init__`` (which imports
``odoo``), so ``kashoo_connector/`` itself goes on ``sys.path`` instead.
"""

import random
import sys
from pathlib import Path

import pytest
import responses
from api_fakes import BASE_URL, NOW, CountingTokenProvider, NoRateLimit, RecordingSleep

ADDON_DIR = Path(__file__).resolve().parents[2] / "kashoo_connector"
if str(ADDON_DIR) not in sys.path:
    sys.path.insert(0, str(ADDON_DIR))


@pytest.fixture
def sleeper():
    return RecordingSleep()


@pytest.fixture
def token_provider():
    return CountingTokenProvider()


@pytest.fixture
def make_client(sleeper, token_provider):
    """Build a client with a fixed clock, recorded sleeps, seeded jitter and no throttle."""
    from kashoo_api import KashooAuth, KashooClient

    def build(**overrides):
        settings = {
            "auth": KashooAuth(token_provider),
            "business_id": 1001,
            "instance_uuid": "0b8e6f7e-5d3c-4c59-9a8e-6a4a3b2c1d0e",
            "integration_version": "18.0.1.0.0",
            "sleep": sleeper,
            "clock": lambda: NOW,
            "rng": random.Random(7),
            "rate_limiter": NoRateLimit(),
        }
        settings.update(overrides)
        return KashooClient(BASE_URL, **settings)

    return build


@pytest.fixture
def mocked_http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
