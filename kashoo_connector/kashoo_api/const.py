"""Defaults shared by the Kashoo API client, in one place so callers can override them.

Values marked "product rule" are the connector's own choices, not Kashoo's.
"""

#: Sent in ``User-Agent`` and ``X-Integration-Name`` so Kashoo can identify the integration.
INTEGRATION_NAME = "kashoo_connector"
#: Version advertised when the caller does not pass the addon's manifest version.
INTEGRATION_VERSION = "18.0.1.0.0"

#: Real Kashoo lives under ``/api``; the specification's layout uses ``/v2``.
DEFAULT_API_PREFIX = "/api"

#: Real clients page with ``limit=100``; the sandbox clamps larger values to 100.
DEFAULT_PAGE_SIZE = 100
# Per-request entries a client keeps for the access log between two takes.
DEFAULT_REQUEST_LOG_SIZE = 1000
MAX_PAGE_SIZE = 100
#: Upper bound on pages fetched by one listing, so a misbehaving server cannot loop us forever.
DEFAULT_MAX_PAGES = 1000
#: Ids per request when fetching records in batches (``?ids=``, a sandbox extension).
DEFAULT_BATCH_SIZE = 100

#: (connect, read) timeouts in seconds for every HTTP call.
DEFAULT_TIMEOUT = (5.0, 30.0)
#: Largest response body read from Kashoo, in bytes (after decompression); a page of 100
#: records is well under a megabyte.
DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024
#: Largest token-endpoint answer read: a token response is a few hundred bytes.
TOKEN_RESPONSE_MAX_BYTES = 64 * 1024

#: Attempts per API call, counting the first one (a 401 refresh retry comes on top).
DEFAULT_MAX_ATTEMPTS = 5
#: Exponential backoff: the jitter ceiling is ``min(cap, base * 2 ** retry_index)``.
DEFAULT_BACKOFF_BASE = 0.5
DEFAULT_BACKOFF_CAP = 30.0
#: Longest ``Retry-After`` waited for inside one call; longer waits go back to the caller.
DEFAULT_MAX_RETRY_AFTER = 30.0

#: Codat documents a limit of 10 requests per second per client.
DEFAULT_RATE_LIMIT_PER_SECOND = 10.0

#: Refresh an OAuth access token when less than this many seconds of validity remain.
DEFAULT_TOKEN_REFRESH_MARGIN = 120.0
#: Product rule: the scopes asked for (read-only, least privilege).
DEFAULT_SCOPES = "transactions:read accounts:read taxes:read company:read"

#: Standard Webhooks tolerance between the sender's timestamp and our clock, both ways.
WEBHOOK_TOLERANCE_SECONDS = 300
WEBHOOK_EVENT_CREATED = "transaction.created"
WEBHOOK_EVENT_UPDATED = "transaction.updated"
WEBHOOK_EVENT_DELETED = "transaction.deleted"
WEBHOOK_EVENTS = (WEBHOOK_EVENT_CREATED, WEBHOOK_EVENT_UPDATED, WEBHOOK_EVENT_DELETED)

#: Product rule: a failed transaction is tried at most 8 times over 24 hours.
SYNC_MAX_TRIES = 8
SYNC_RETRY_HORIZON_SECONDS = 24 * 60 * 60
#: Each scheduled sync delay is drawn from ``[nominal * (1 - ratio), nominal]``.
SYNC_RETRY_JITTER_RATIO = 0.25

#: Response bodies kept in logs and exceptions are cut to this many characters.
LOG_BODY_LIMIT = 500
