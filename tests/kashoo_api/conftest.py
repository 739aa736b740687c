"""Fixtures of the ``kashoo_api`` unit tests: a client with no real time, sleep or network."""

import random

import pytest
import responses
from api_fakes import BASE_URL, NOW, CountingTokenProvider, NoRateLimit, RecordingSleep


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
