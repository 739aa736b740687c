"""Make ``kashoo_logic`` importable on its own, without the Odoo addon around it.

Importing ``kashoo_connector.kashoo_logic`` would run the addon's ``__init__`` (which imports
``odoo``), so ``kashoo_connector/`` itself goes on ``sys.path`` instead.
"""

import sys
from pathlib import Path

ADDON_DIR = Path(__file__).resolve().parents[2] / "kashoo_connector"
if str(ADDON_DIR) not in sys.path:
    sys.path.insert(0, str(ADDON_DIR))
