"""Constants of the Kashoo connector (no logic here)."""

# The client library's defaults, re-exported so the addon reads every constant from here.
from odoo.tools.translate import LazyTranslate

from .kashoo_api.const import (  # noqa: F401
    DEFAULT_API_PREFIX,
    DEFAULT_SCOPES,
    DEFAULT_TOKEN_REFRESH_MARGIN,
)
from .kashoo_logic import sync_outcomes

_lt = LazyTranslate(__name__)

# System parameters that hold the instance-wide API defaults for new backends.
PARAM_API_URL = "kashoo.api.url"
PARAM_API_VERSION = "kashoo.api.version"
# Whether managing the integration asks for two-factor authentication (on unless turned off).
PARAM_REQUIRE_2FA = "kashoo_connector.require_2fa"
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

# OAuth 2.0 authorization code flow with PKCE.
OAUTH_CALLBACK_ROUTE = "/kashoo/auth/callback"
OAUTH_AUTHORIZE_PATH = "/oauth/authorize"
OAUTH_TOKEN_PATH = "/oauth/token"
OAUTH_SCOPES = DEFAULT_SCOPES
# A state is single-use and expires quickly (RFC 9700 recommends short-lived values).
OAUTH_STATE_LIFETIME_MINUTES = 10

# Seconds allowed to every HTTP call to Kashoo from Odoo. One number rather than a
# (connect, read) pair: Odoo's test harness compares request timeouts to a number.
REQUEST_TIMEOUT = 20

# === Sync engine === #

# The webhook route Kashoo posts signed transaction events to; each backend's own URL is this
# followed by "/<its webhook token>", so a delivery names its backend before it is verified.
WEBHOOK_ROUTE = "/kashoo/webhook/transaction"
# Random bytes of a backend's webhook token (URL-safe base64 of them: 43 characters).
WEBHOOK_TOKEN_BYTES = 32
# Longest webhook-id stored; a longer one is refused (the signature covers the whole id).
WEBHOOK_ID_MAX_LENGTH = 200
# The webhook logs one rejection line per reason and sender in this many seconds.
WEBHOOK_REJECTION_LOG_WINDOW = 60
# Kashoo ids and versions are stored in PostgreSQL integer (int4) columns.
INT4_MAX = 2**31 - 1
# Largest webhook body accepted; Kashoo's thin events are a few hundred bytes.
WEBHOOK_MAX_BODY_BYTES = 64 * 1024
# Received webhook ids are kept at least this long (Kashoo retries over 24 h).
WEBHOOK_EVENT_RETENTION_HOURS = 72
# How long the previous webhook secret stays valid after a new one is stored (bounded: an
# old secret must not stay valid indefinitely).
DEFAULT_WEBHOOK_ROTATION_HOURS = 24
MAX_WEBHOOK_ROTATION_HOURS = 168
WEBHOOK_EVENT_VERIFICATION = "webhook.verification"
WEBHOOK_EVENTS_HANDLED = ("transaction.created", "transaction.updated", "transaction.deleted")

# Staging states of a Kashoo transaction. A claimed row stays "pending": the claim is its row
# lock, which a crash releases, so no row is ever left half-processed.
TRANSACTION_STATES = [
    ("pending", "Pending"),
    ("done", "Done"),
    ("retry", "Retry"),
    ("quarantined", "Quarantined"),
    ("deleted", "Deleted"),
    ("ignored", "Ignored"),
]
# Labels of the sync log's outcomes (the words themselves: kashoo_logic.sync_outcomes).
SYNC_OUTCOMES = [
    (sync_outcomes.DONE, "Imported"),
    (sync_outcomes.UPDATED, "Updated"),
    (sync_outcomes.UNCHANGED, "Unchanged"),
    (sync_outcomes.DELETED, "Deleted"),
    (sync_outcomes.WAITING, "Waiting"),
    (sync_outcomes.RETRY, "Retry scheduled"),
    (sync_outcomes.QUARANTINED, "Quarantined"),
    (sync_outcomes.PAUSED, "Backend paused"),
    (sync_outcomes.ERROR, "Error"),
]
SYNC_FREQUENCIES = [
    ("immediate", "Immediate"),
    ("hourly", "Hourly"),
    ("daily", "Daily"),
]
SYNC_FREQUENCY_SECONDS = {"immediate": 0, "hourly": 3600, "daily": 86400}
# The processing workers: one cron each, so that Odoo runs them in parallel (it runs one job
# of a cron at a time); they claim disjoint batches with SKIP LOCKED.
PROCESS_CRON_XMLIDS = (
    "kashoo_connector.ir_cron_kashoo_process",
    "kashoo_connector.ir_cron_kashoo_process_2",
)
# Transactions claimed, fetched and imported per committed batch.
PROCESS_BATCH_SIZE = 100
# A processing call stops starting new batches after this many seconds (cron time limits).
PROCESS_TIME_BUDGET = 45
# Polling re-reads this many seconds before the cursor: late commits on Kashoo's side.
DEFAULT_FETCH_OVERLAP_SECONDS = 600
# Run-level failure lines of the sync log (a paused or failed run, about no transaction) older
# than this are removed by the autovacuum; import attempts follow the records' retention.
SYNC_LOG_RETENTION_DAYS = 90
# Days an API access-log entry is kept for reviewing usage.
API_ACCESS_LOG_RETENTION_DAYS = 90
# Days after which the administrators are reminded to rotate the client secret.
CLIENT_SECRET_ROTATION_DAYS = 90
ACTIVITY_TYPE_ROTATE_SECRET = "kashoo_connector.mail_activity_type_kashoo_rotate_client_secret"
# Context key naming the operation a Kashoo client works for, in the API access log.
CONTEXT_API_OPERATION = "kashoo_api_operation"
# Daily sync-state exports kept per backend.
SYNC_EXPORTS_KEPT = 30

# === Quarantine review === #

# A retry of up to this many rows is imported at once, in the accountant's request, so the
# result shows on the screen; a larger selection is left to the processing cron.
RETRY_NOW_LIMIT = 20
# What became of a failed attempt since (kashoo.sync.log.resolution).
SYNC_LOG_RESOLUTIONS = [
    ("open", "Open"),
    ("retried", "Retried"),
    ("resolved", "Resolved"),
    ("ignored", "Ignored"),
]
# How an accountant reads the engine's error codes (the codes stay the group-by key);
# translated where they are shown (``env._(label)``).
ERROR_TYPE_LABELS = {
    "unmapped_account": _lt("Kashoo account not mapped"),
    "unmapped_tax": _lt("Kashoo tax not mapped"),
    "unknown_contact": _lt("Kashoo contact without partner"),
    "unbalanced": _lt("Amounts do not balance"),
    "currency_mismatch": _lt("Currency mismatch"),
    "unknown_currency": _lt("Currency not active"),
    "unsupported_type": _lt("Unsupported record type"),
    "invalid_record": _lt("Invalid Kashoo data"),
    "missing_payment_target": _lt("Paid document not imported"),
    "locked_period": _lt("Period locked"),
    "posting_failed": _lt("Odoo refused to post"),
    "reconciled": _lt("Document is reconciled"),
    "mapping_error": _lt("Mapping error"),
    "unexpected_error": _lt("Unexpected failure"),
}

# === Health dashboard and alerts === #

# Snapshots are hourly; each run (re)computes this many past hours, so missed runs catch up.
HEALTH_SNAPSHOT_HOURS = 24
# Alert defaults: a figure more than 20 % worse than its baseline.
HEALTH_DEFAULT_DEVIATION_PERCENT = 20.0
HEALTH_DEFAULT_BASELINE_DAYS = 7
# The fewest earlier hourly figures a baseline needs (a day's worth) before it is trusted.
HEALTH_MIN_BASELINE_SAMPLES = 24
# The dashboard's "current" figures cover this many hours.
HEALTH_CURRENT_WINDOW_HOURS = 24
HEALTH_METRICS = [
    ("success_rate", "Success rate"),
    ("avg_processing_ms", "Processing time per transaction"),
    ("avg_api_ms", "API response time"),
    ("queue_depth", "Queue depth"),
    ("quarantine_count", "Quarantined transactions"),
]

# === Books comparison: Kashoo's books against Odoo's === #

# Default tolerances: revenue and expense accounts may differ by rounding, the balance sheet
# (sales taxes and partner balances included) not at all.
BOOKS_COMPARISON_TOLERANCE_PROFIT_LOSS = 1.0
BOOKS_COMPARISON_TOLERANCE_BALANCE_SHEET = 0.0
# Scheduled runs: daily during this many days after the first import, then every N days.
BOOKS_COMPARISON_DAILY_DAYS = 30
BOOKS_COMPARISON_WEEKLY_DAYS = 7

# === Audit log and retention === #

# Transactions, payloads, import attempts and the audit log are kept at least this many years
# (Canada Revenue Agency: six years after the end of the tax year they relate to).
RETENTION_MIN_YEARS = 6
# The default purge age: six years after the end of a tax year is up to seven after a record.
RETENTION_DEFAULT_YEARS = 7
