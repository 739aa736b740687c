"""Constants of the Kashoo connector (no logic here)."""

# The client library's defaults, re-exported so the addon reads every constant from here.
from .kashoo_api.const import (  # noqa: F401
    DEFAULT_API_PREFIX,
    DEFAULT_SCOPES,
    DEFAULT_TOKEN_REFRESH_MARGIN,
)

# System parameters that hold the instance-wide API defaults (SPEC: "Odoo Module Installation").
PARAM_API_URL = "kashoo.api.url"
PARAM_API_VERSION = "kashoo.api.version"
DEFAULT_API_URL = "https://api.kashoo.com"
DEFAULT_API_VERSION = "v2"

# Backend connection states, in the order an administrator meets them.
BACKEND_STATES = [
    ("draft", "Not connected"),
    ("connected", "Connected"),
    ("reauthorize", "Reauthorization needed"),
]

AUTH_MODES = [
    ("oauth", "OAuth 2.0"),
    ("classic", "Classic API token"),
]

# OAuth 2.0 authorization code flow (SPEC "Kashoo Application Registration").
OAUTH_CALLBACK_ROUTE = "/kashoo/auth/callback"
OAUTH_AUTHORIZE_PATH = "/oauth/authorize"
OAUTH_TOKEN_PATH = "/oauth/token"
OAUTH_SCOPES = DEFAULT_SCOPES
# A state is single-use and expires quickly (RFC 9700 recommends short-lived values).
OAUTH_STATE_LIFETIME_MINUTES = 10

# Seconds allowed to every HTTP call to Kashoo from Odoo. One number rather than a
# (connect, read) pair: Odoo's test harness compares request timeouts to a number.
REQUEST_TIMEOUT = 20
