"""Kashoo sandbox: a real HTTP server that behaves like Kashoo, for tests and demos.

Importing this package has no side effects; nothing starts until ``SandboxServer.start()``
(or ``python -m kashoo_sandbox``). See README.md in this directory.
"""

from .config import SandboxConfig
from .reference_data import (
    ALL_SCOPES,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_REDIRECT_URIS,
    DEMO_USER_EMAIL,
    DEMO_USER_PASSWORD,
    PRIMARY_BUSINESS_ID,
    SECONDARY_BUSINESS_ID,
)
from .server import SandboxServer

__all__ = [
    "ALL_SCOPES",
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "DEMO_REDIRECT_URIS",
    "DEMO_USER_EMAIL",
    "DEMO_USER_PASSWORD",
    "PRIMARY_BUSINESS_ID",
    "SECONDARY_BUSINESS_ID",
    "SandboxConfig",
    "SandboxServer",
]
__version__ = "1.0.0"
