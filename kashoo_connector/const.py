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

# === Sync engine (issue 6) === #

# The webhook route Kashoo posts signed transaction events to.
WEBHOOK_ROUTE = "/kashoo/webhook/transaction"
# Largest webhook body accepted; Kashoo's thin events are a few hundred bytes.
WEBHOOK_MAX_BODY_BYTES = 64 * 1024
# Received webhook ids are kept at least this long (Kashoo retries over 24 h).
WEBHOOK_EVENT_RETENTION_HOURS = 72
# How long the previous webhook secret stays valid after a new one is stored.
DEFAULT_WEBHOOK_ROTATION_HOURS = 24
WEBHOOK_EVENT_VERIFICATION = "webhook.verification"
WEBHOOK_EVENTS_HANDLED = ("transaction.created", "transaction.updated", "transaction.deleted")

# Staging states of a Kashoo transaction (DESIGN.md, "States of a Kashoo transaction").
TRANSACTION_STATES = [
    ("pending", "Pending"),
    ("processing", "Processing"),
    ("done", "Done"),
    ("retry", "Retry"),
    ("quarantined", "Quarantined"),
    ("deleted", "Deleted"),
    ("ignored", "Ignored"),
]
SYNC_FREQUENCIES = [
    ("immediate", "Immediate"),
    ("hourly", "Hourly"),
    ("daily", "Daily"),
]
SYNC_FREQUENCY_SECONDS = {"immediate": 0, "hourly": 3600, "daily": 86400}
# Transactions claimed, fetched and imported per committed batch.
PROCESS_BATCH_SIZE = 100
# A processing call stops starting new batches after this many seconds (cron time limits).
PROCESS_TIME_BUDGET = 45
# Polling re-reads this many seconds before the cursor: late commits on Kashoo's side.
DEFAULT_FETCH_OVERLAP_SECONDS = 600
# Wait before looking again for a record an event announced but Kashoo does not show yet.
NOT_YET_VISIBLE_DELAY = 60
# Sync logs older than this are removed by the autovacuum.
SYNC_LOG_RETENTION_DAYS = 90
# Daily sync-state exports kept per backend.
SYNC_EXPORTS_KEPT = 30
