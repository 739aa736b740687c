"""Make ``kashoo_mapper`` importable on its own, without the Odoo addon around it.

Importing ``kashoo_connector.kashoo_mapper`` would run the addon's ``__init__`` (which imports
``odoo``), so ``kashoo_connector/`` itself goes on ``sys.path`` instead. Test modules import
``kashoo_mapper`` and ``mapper_world`` only after this file has run.
"""

import sys
from pathlib import Path

import pytest

ADDON_DIR = Path(__file__).resolve().parents[2] / "kashoo_connector"
if str(ADDON_DIR) not in sys.path:
    sys.path.insert(0, str(ADDON_DIR))


@pytest.fixture(scope="session")
def snapshot():
    """The mapping snapshot of the test business (frozen, so safe to share)."""
    from mapper_world import build_snapshot

    return build_snapshot()
