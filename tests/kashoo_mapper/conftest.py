"""Fixtures of the ``kashoo_mapper`` tests."""

import pytest


@pytest.fixture(scope="session")
def snapshot():
    """The mapping snapshot of the test business (frozen, so safe to share)."""
    from mapper_world import build_snapshot

    return build_snapshot()
