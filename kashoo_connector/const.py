"""Constants of the Kashoo connector (no logic here)."""

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
