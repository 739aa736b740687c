"""``KashooClient``: every call to the Kashoo REST API goes through :meth:`KashooClient.request`.

That one method adds the identifying headers and the ``Authorization`` header, applies the
client-side rate limit and the timeouts, retries what can safely be retried (429 and 503
with ``Retry-After``, other 5xx, timeouts, connection errors, cut-off bodies) with full-jitter
backoff, renews the token once on a 401, and maps every failure to a typed error.
"""

import collections
import datetime
import logging
import re
import time
from urllib.parse import urlsplit

from .backoff import full_jitter_delay, parse_retry_after
from .const import (
    DEFAULT_API_PREFIX,
    DEFAULT_BACKOFF_BASE,
    DEFAULT_BACKOFF_CAP,
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_PAGES,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRY_AFTER,
    DEFAULT_PAGE_SIZE,
    DEFAULT_REQUEST_LOG_SIZE,
    DEFAULT_TIMEOUT,
    INTEGRATION_NAME,
    INTEGRATION_VERSION,
    MAX_PAGE_SIZE,
    WEBHOOK_EVENTS,
)
from .exceptions import (
    KashooAuthExpired,
    KashooBadRequest,
    KashooBadResponse,
    KashooConfigError,
    KashooError,
    KashooForbidden,
    KashooNotFound,
    KashooPagingLimitExceeded,
    KashooRateLimited,
    KashooTransientError,
)
from .ratelimit import TokenBucket
from .redact import mask_secrets
from .transport import CONNECT_TIMEOUT, parse_json_body, response_text, secure_session, send

# Methods whose repetition cannot change the outcome (RFC 9110 §9.2.2).
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_WWW_AUTHENTICATE_ERROR = re.compile(r'error="([^"]*)"')


class KashooClient:
    """A client for one Kashoo connection (one set of credentials, optionally one business).

    :param str base_url: scheme and host, e.g. ``https://api.kashoo.com``.
    :param KashooAuth auth: builds the ``Authorization`` header.
    :param str api_prefix: the path prefix, ``/api`` for real Kashoo.
    :param str api_version: an optional version segment after the prefix, e.g. ``v2``.
    :param int|None business_id: the business the business-scoped methods address.
    :param tuple|float timeout: ``(connect, read)`` timeouts in seconds, or one number for
        both, applied to every call.
    :param int max_attempts: tries per call for retryable failures, the first included.
    :param rate_limiter: an object whose ``acquire()`` blocks until a request may go; a
        :class:`~kashoo_api.ratelimit.TokenBucket` at 10 requests/s when omitted.
    :param str integration_version: the addon version sent in the identifying headers.
    :param str|None instance_uuid: identifies this Odoo database to Kashoo.
    :param requests.Session|None session: the session to use; the client owns (and
        closes) a new one from :func:`~kashoo_api.transport.secure_session` when omitted.
    :param tls_pins: base64 SPKI SHA-256 pins of the server's key for the session the client
        creates; ``None`` pins nothing. TLS 1.2 or newer is required either way.
    :param int max_response_bytes: the largest response body read.
    :param int page_size: ``limit`` for listings, 1 to 100.
    :param int max_pages: the most pages one listing may fetch.
    :param int batch_size: ids per request in :meth:`get_records`.
    :param float max_retry_after: the longest ``Retry-After`` waited for inside a call;
        a longer one is raised at once with its ``retry_after``.
    :param float backoff_base: first backoff ceiling in seconds.
    :param float backoff_cap: largest backoff ceiling in seconds.
    :param sleep: the function used to wait (injected by tests).
    :param clock: returns the current Unix time (for ``Retry-After`` dates).
    :param rng: an object with ``uniform(a, b)`` for backoff jitter.
    :param logging.Logger|None logger: where to log; this module's logger when omitted.
    :param timer: a monotonic clock in seconds, timing each HTTP exchange for
        :meth:`take_request_stats` (injected by tests).
    :param int request_log_size: the most exchanges :meth:`take_request_log` keeps between
        two takes; the oldest are dropped past it (counted in ``request_log_dropped``).
    :param on_close: ``on_close(client, error)``, called when the client closes, with the
        exception that ends a ``with`` block (``None`` otherwise): the caller stores what
        :meth:`take_request_log` still holds there.
    """

    def __init__(
        self,
        base_url,
        *,
        auth,
        api_prefix=DEFAULT_API_PREFIX,
        api_version="",
        business_id=None,
        timeout=DEFAULT_TIMEOUT,
        max_attempts=DEFAULT_MAX_ATTEMPTS,
        rate_limiter=None,
        integration_version=INTEGRATION_VERSION,
        instance_uuid=None,
        session=None,
        tls_pins=None,
        max_response_bytes=DEFAULT_MAX_RESPONSE_BYTES,
        page_size=DEFAULT_PAGE_SIZE,
        max_pages=DEFAULT_MAX_PAGES,
        batch_size=DEFAULT_BATCH_SIZE,
        max_retry_after=DEFAULT_MAX_RETRY_AFTER,
        backoff_base=DEFAULT_BACKOFF_BASE,
        backoff_cap=DEFAULT_BACKOFF_CAP,
        sleep=time.sleep,
        clock=time.time,
        rng=None,
        logger=None,
        timer=time.monotonic,
        request_log_size=DEFAULT_REQUEST_LOG_SIZE,
        on_close=None,
    ):
        self._root_url = _root_url(base_url, api_prefix, api_version)
        self.auth = auth
        self.business_id = business_id
        self.timeout = _checked_timeout(timeout)
        if max_attempts < 1:
            raise KashooConfigError("max_attempts must be at least 1")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise KashooConfigError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        if max_pages < 1 or batch_size < 1:
            raise KashooConfigError("max_pages and batch_size must be at least 1")
        self.max_attempts = max_attempts
        self.page_size = page_size
        self.max_pages = max_pages
        self.batch_size = min(batch_size, MAX_PAGE_SIZE)
        self.max_retry_after = max_retry_after
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self._rate_limiter = rate_limiter or TokenBucket(sleep=sleep)
        self._owns_session = session is None
        self._session = session or secure_session(tls_pins)
        self.max_response_bytes = max_response_bytes
        self._logger = logger or logging.getLogger(__name__)
        self._identity_headers = _identity_headers(integration_version, instance_uuid)
        # Whether the server understands ``records?ids=``; unknown until first tried.
        self._batch_fetch_supported = None
        # HTTP exchanges and the seconds spent in them (retries and failures included),
        # since the last take_request_stats(): the caller's API response-time metric.
        self._timer = timer
        self.request_count = 0
        self.request_seconds = 0.0
        # The same exchanges one by one, for the caller's API access log; bounded, so a
        # caller that never takes them cannot grow the process.
        self._request_log = collections.deque(maxlen=request_log_size)
        self.request_log_dropped = 0
        self._on_close = on_close

    # -- plumbing -----------------------------------------------------------------------

    def close(self, error=None):
        """Close the HTTP session if the client created it, after the ``on_close`` callback.

        :param BaseException|None error: the exception the client's work ended with.
        """
        try:
            if self._on_close is not None:
                on_close, self._on_close = self._on_close, None
                on_close(self, error)
        finally:
            if self._owns_session:
                self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.close(exc)

    def take_request_stats(self):
        """Return ``(requests, seconds)`` sent since the last call, and start counting afresh.

        Every HTTP exchange counts, a retried or failed one too (the time was spent on the
        wire all the same); waits between tries and the rate limiter's do not.

        :rtype: tuple[int, float]
        """
        stats = (self.request_count, self.request_seconds)
        self.request_count = 0
        self.request_seconds = 0.0
        return stats

    def take_request_log(self):
        """Return the HTTP exchanges sent since the last call, oldest first, and start afresh.

        Each is a dict: ``at`` (Unix time it started), ``method``, ``path`` (the URL path,
        never the query string), ``status`` (the HTTP status, or ``None`` when no response
        came) and ``seconds``. Nothing else is kept: no header, body or parameter.

        :rtype: list[dict]
        """
        entries = list(self._request_log)
        self._request_log.clear()
        self.request_log_dropped = 0
        return entries

    def url_for(self, path):
        """Return the absolute URL of an API path, e.g. ``/users/me``.

        :param str path: the path after the prefix and version.
        :rtype: str
        """
        return f"{self._root_url}/{path.lstrip('/')}"

    def request(self, method, path, *, params=None, json_body=None):
        """Send one API call, with retries, and return its decoded JSON body.

        Idempotent methods are retried on every transient failure. Other methods are
        retried only when the server surely did not act: a connect timeout or a 429.
        A 401 triggers one forced token renewal and one more try, on top of
        ``max_attempts``.

        :param str method: the HTTP method.
        :param str path: the API path, e.g. ``/users/me``.
        :param dict|None params: query parameters.
        :param json_body: a JSON-serialisable request body.
        :return: the decoded JSON (floats as :class:`~decimal.Decimal`), or ``None`` for 204.
        :raises KashooError: a subclass describing the failure.
        """
        method = method.upper()
        url = self.url_for(path)
        failures = 0
        token_renewed = False
        force_refresh = False
        while True:
            self._rate_limiter.acquire()
            headers = dict(self._identity_headers)
            headers["Authorization"] = self.auth.header_value(force_refresh=force_refresh)
            force_refresh = False
            try:
                response = self._timed_send(
                    method, url, headers=headers, params=params, json=json_body
                )
                return self._decode(method, response)
            except KashooAuthExpired:
                if token_renewed:
                    raise
                token_renewed = force_refresh = True
                self._logger.info("Kashoo %s %s: token refused, renewing it once", method, path)
            except KashooTransientError as error:
                failures += 1
                delay = self._retry_delay(error, failures, method)
                if delay is None:
                    raise
                self._logger.warning(
                    "Kashoo %s %s failed (%s); try %d of %d in %.1f s",
                    method,
                    path,
                    error.message,
                    failures + 1,
                    self.max_attempts,
                    delay,
                )
                self._sleep(delay)

    def _timed_send(self, method, url, **kwargs):
        at = self._clock()
        started = self._timer()
        status = None
        try:
            response = send(
                self._session,
                method,
                url,
                timeout=self.timeout,
                max_bytes=self.max_response_bytes,
                **kwargs,
            )
            status = response.status_code
            return response
        except KashooError as error:
            status = error.status
            raise
        finally:
            seconds = max(self._timer() - started, 0.0)
            self.request_count += 1
            self.request_seconds += seconds
            if len(self._request_log) == self._request_log.maxlen:
                self.request_log_dropped += 1
            self._request_log.append(
                {
                    "at": at,
                    "method": method,
                    "path": urlsplit(url).path,
                    "status": status,
                    "seconds": seconds,
                }
            )

    def _retry_delay(self, error, failures, method):
        """Return the wait before the next try, or ``None`` when ``error`` must be raised."""
        if failures >= self.max_attempts or not error.is_retryable:
            return None
        server_surely_idle = isinstance(error, KashooRateLimited) or error.code == CONNECT_TIMEOUT
        if method not in _IDEMPOTENT_METHODS and not server_surely_idle:
            return None
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_retry_after else None
        return full_jitter_delay(
            failures - 1, base=self._backoff_base, cap=self._backoff_cap, rng=self._rng
        )

    def _decode(self, method, response):
        status = response.status_code
        self._logger.debug(
            "Kashoo %s %s: HTTP %s in %.3f s",
            method,
            mask_secrets(response.url),
            status,
            response.elapsed.total_seconds(),
        )
        if 200 <= status < 300:
            return None if status == 204 else parse_json_body(response)
        error = self._error_for(method, response)
        self._logger.warning(
            "Kashoo %s %s: HTTP %s (%s), body: %s",
            method,
            mask_secrets(response.url),
            status,
            error.code,
            error.body,
        )
        raise error

    def _error_for(self, method, response):
        """Map a non-2xx response to the matching typed error (not raised here)."""
        status = response.status_code
        body = response_text(response)
        code = _error_code(response)
        details = {"status": status, "code": code, "body": body}
        where = f"Kashoo {method} {urlsplit(response.url).path}: HTTP {status}"
        retry_after = parse_retry_after(response.headers.get("Retry-After"), self._clock())
        if 300 <= status < 400:
            location = mask_secrets(response.headers.get("Location", "nowhere"))
            return KashooConfigError(
                f"{where}: unexpected redirect to {location}; check the base URL", **details
            )
        if status == 401:
            return KashooAuthExpired(f"{where}: access token refused", **details)
        if status == 403:
            return KashooForbidden(f"{where}: not permitted", **details)
        if status == 404:
            return KashooNotFound(f"{where}: not found", **details)
        if status == 429:
            return KashooRateLimited(f"{where}: rate limited", retry_after=retry_after, **details)
        if status == 408 or status >= 500:
            return KashooTransientError(
                f"{where}: server error", retry_after=retry_after, **details
            )
        if 400 <= status < 500:
            return KashooBadRequest(f"{where}: request refused", **details)
        return KashooBadResponse(f"{where}: unexpected status", **details)

    # -- paging -------------------------------------------------------------------------

    def _iter_collection(self, path, params=None):
        """Yield the objects of a ``limit``/``offset`` listing, each id at most once.

        Offsets drift when rows are inserted or removed between pages; duplicates are
        dropped here, while rows skipped by the drift are the caller's to catch up on with
        an overlapping re-sync window.
        """
        seen_ids = set()
        for page_number in range(self.max_pages):
            offset = page_number * self.page_size
            page_params = dict(params or {}, limit=self.page_size, offset=offset)
            page = self.request("GET", path, params=page_params)
            if not isinstance(page, list):
                raise KashooBadResponse(f"Kashoo GET {path}: expected a JSON array")
            if len(page) > self.page_size:
                # The server ignored ``limit``, so ``offset`` cannot be trusted either.
                raise KashooBadResponse(
                    f"Kashoo GET {path}: page of {len(page)} items exceeds limit {self.page_size}"
                )
            for item in page:
                if not isinstance(item, dict):
                    raise KashooBadResponse(f"Kashoo GET {path}: expected JSON objects")
                item_id = item.get("id")
                if item_id is not None:
                    if item_id in seen_ids:
                        continue
                    seen_ids.add(item_id)
                yield item
            if len(page) < self.page_size:
                return
        raise KashooPagingLimitExceeded(
            f"Kashoo GET {path}: still more data after {self.max_pages} pages of "
            f"{self.page_size}; raise max_pages or narrow the request",
            code="page_limit",
        )

    # -- endpoints ----------------------------------------------------------------------

    def get_me(self):
        """Return the authenticated user (``GET /users/me``).

        :rtype: dict
        """
        return self._expect_object(self.request("GET", "/users/me"), "/users/me")

    def list_businesses(self):
        """Return the businesses the credentials may access (``GET /users/me/businesses``).

        :rtype: list[dict]
        """
        businesses = self.request("GET", "/users/me/businesses")
        if not isinstance(businesses, list):
            raise KashooBadResponse("Kashoo GET /users/me/businesses: expected a JSON array")
        return businesses

    def get_business(self):
        """Return the configured business (``GET /businesses/{id}``).

        :rtype: dict
        """
        path = self._business_path("")
        return self._expect_object(self.request("GET", path), path)

    def iter_accounts(self, account_type=None):
        """Yield the business's accounts, page by page.

        :param str|None account_type: Kashoo's ``type`` filter, e.g. ``ASSET``.
        :rtype: Iterator[dict]
        """
        return self._iter_collection(self._business_path("/accounts"), _present(type=account_type))

    def iter_taxes(self):
        """Yield the business's taxes, page by page.

        :rtype: Iterator[dict]
        """
        return self._iter_collection(self._business_path("/taxes"))

    def iter_contacts(self, contact_type=None):
        """Yield the business's contacts, page by page.

        :param str|None contact_type: ``customers`` or ``vendors``; all when omitted.
        :rtype: Iterator[dict]
        """
        return self._iter_collection(self._business_path("/contacts"), _present(type=contact_type))

    def iter_records(self, start_date=None, end_date=None, modified_since=None, record_type=None):
        """Yield the business's records (transactions), page by page, ordered by id.

        :param datetime.date|None start_date: earliest transaction date (inclusive).
        :param datetime.date|None end_date: latest transaction date (inclusive).
        :param datetime.datetime|None modified_since: only records changed since then
            (sandbox extension); a naive value is read as UTC, as Odoo stores it.
        :param str|None record_type: e.g. ``invoice``, ``bill``, ``invoicePayment``.
        :rtype: Iterator[dict]
        """
        params = _present(
            startDate=_format_date(start_date),
            endDate=_format_date(end_date),
            modifiedSince=_format_datetime(modified_since),
            type=record_type,
        )
        return self._iter_collection(self._business_path("/records"), params)

    def get_record(self, record_id):
        """Return one record (``GET /businesses/{id}/records/{record_id}``).

        :param int record_id: the Kashoo record id.
        :rtype: dict
        :raises KashooNotFound: when the record does not exist.
        """
        path = self._business_path(f"/records/{int(record_id)}")
        return self._expect_object(self.request("GET", path), path)

    def get_records(self, record_ids):
        """Fetch several records, in batches where the server supports ``?ids=``.

        Servers without that extension (real Kashoo) are detected on the first batch and
        then asked one record at a time.

        :param record_ids: the ids wanted; repeats are fetched once.
        :return: the records found, by id; ids that do not exist are absent.
        :rtype: dict[int, dict]
        """
        wanted = list(dict.fromkeys(int(record_id) for record_id in record_ids))
        found = {}
        for start in range(0, len(wanted), self.batch_size):
            chunk = wanted[start : start + self.batch_size]
            batch = self._fetch_batch(chunk) if self._batch_fetch_supported is not False else None
            if batch is not None:
                found.update(batch)
                continue
            for record_id in chunk:
                try:
                    found[record_id] = self.get_record(record_id)
                except KashooNotFound:
                    self._logger.info("Kashoo record %s no longer exists", record_id)
        return found

    def _fetch_batch(self, chunk):
        """Return ``{id: record}`` for ``chunk`` via ``?ids=``, or ``None`` if unsupported."""
        params = {"ids": ",".join(map(str, chunk)), "limit": len(chunk), "offset": 0}
        try:
            rows = self.request("GET", self._business_path("/records"), params=params)
        except KashooBadRequest:
            rows = None
        requested = set(chunk)
        # A server that ignores ``ids`` answers with a plain listing, which shows up as
        # rows nobody asked for.
        if not isinstance(rows, list) or any(
            not isinstance(row, dict) or row.get("id") not in requested for row in rows
        ):
            self._batch_fetch_supported = False
            self._logger.info("Kashoo server does not support records?ids=; fetching one by one")
            return None
        self._batch_fetch_supported = True
        return {row["id"]: row for row in rows}

    def register_webhook(self, url, events=WEBHOOK_EVENTS):
        """Subscribe ``url`` to webhook events (specification feature; sandbox only).

        :param str url: the public HTTPS URL of the Odoo webhook route.
        :param events: event names, by default all ``transaction.*`` events.
        :return: the subscription, including its ``secret`` (shown only once).
        :rtype: dict
        """
        path = self._business_path("/webhooks")
        created = self.request("POST", path, json_body={"url": url, "events": list(events)})
        return self._expect_object(created, path)

    def _business_path(self, suffix):
        if self.business_id is None:
            raise KashooConfigError("no Kashoo business is selected for this connection")
        return f"/businesses/{int(self.business_id)}{suffix}"

    @staticmethod
    def _expect_object(value, path):
        if not isinstance(value, dict):
            raise KashooBadResponse(f"Kashoo {path}: expected a JSON object")
        return value


def _root_url(base_url, api_prefix, api_version):
    parts = urlsplit(base_url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise KashooConfigError(f"Kashoo base URL {base_url!r} must be an absolute http(s) URL")
    segments = [
        segment.strip("/")
        for segment in (base_url.rstrip("/"), api_prefix or "", api_version or "")
    ]
    return "/".join(segment for segment in segments if segment)


def _checked_timeout(timeout):
    # A single number is one limit for connecting and for reading, passed on as it is:
    # Odoo's test harness only understands that form.
    limits = (timeout,) if isinstance(timeout, int | float) else tuple(timeout)
    if len(limits) not in (1, 2) or any(limit <= 0 for limit in limits):
        raise KashooConfigError("timeout must be a positive number or a (connect, read) pair")
    return timeout


def _identity_headers(integration_version, instance_uuid):
    user_agent = f"{INTEGRATION_NAME}/{integration_version}"
    headers = {
        "Accept": "application/json",
        "X-Integration-Name": INTEGRATION_NAME,
        "X-Integration-Version": integration_version,
    }
    if instance_uuid:
        user_agent = f"{user_agent} (+{instance_uuid})"
        headers["X-Integration-Instance"] = instance_uuid
    headers["User-Agent"] = user_agent
    return headers


def _error_code(response):
    """Read the RFC 6750 ``error`` from ``WWW-Authenticate``, else ``error`` from a JSON body."""
    match = _WWW_AUTHENTICATE_ERROR.search(response.headers.get("WWW-Authenticate", ""))
    if match:
        return match.group(1)
    try:
        payload = parse_json_body(response)
    except KashooBadResponse:
        return None
    code = payload.get("error") if isinstance(payload, dict) else None
    return code if isinstance(code, str) else None


def _present(**params):
    return {name: value for name, value in params.items() if value is not None}


def _format_date(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise TypeError("dates must be datetime.date values")
    return value.isoformat()


def _format_datetime(value):
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
