"""Puts the repository root (``kashoo_sandbox``) and ``kashoo_connector/`` (``kashoo_api``) on
``sys.path``, so both sides import without Odoo."""

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
for path in (REPO_ROOT, REPO_ROOT / "kashoo_connector"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
