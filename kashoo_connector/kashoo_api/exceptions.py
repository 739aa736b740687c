"""Typed errors raised by the Kashoo API client.

Callers branch on the class (or on ``is_retryable``), never on message text. Every error
carries the HTTP ``status`` when there was one, a short machine ``code`` (the RFC 6749/6750
error code, or our own), a human ``message``, and a masked, truncated ``body``.
"""

from .redact import mask_secrets, safe_excerpt


class KashooError(Exception):
    """Base class of every error raised by :mod:`kashoo_api`.

    :ivar int|None status: the HTTP status of the response, if any.
    :ivar str|None code: a machine-readable reason, e.g. ``invalid_grant``.
    :ivar str message: a human-readable explanation with secrets masked.
    :ivar str|None body: the response body, masked and truncated.
    :ivar float|None retry_after: seconds the server asked us to wait, if it said so.
    """

    #: Whether trying the same operation again later may succeed.
    is_retryable = False

    def __init__(self, message, *, status=None, code=None, body=None, retry_after=None):
        self.message = mask_secrets(message)
        self.status = status
        self.code = code
        self.body = None if body is None else safe_excerpt(body)
        self.retry_after = retry_after
        super().__init__(self.message)


class KashooConfigError(KashooError):
    """The connector is misconfigured (URL, key, business id...). An administrator must act."""


class KashooAuthError(KashooError):
    """Authentication or authorization failed."""


class KashooAuthExpired(KashooAuthError):
    """The access token was rejected (401). A later attempt refreshes it, so retrying can help."""

    is_retryable = True


class KashooAuthRevoked(KashooAuthError):
    """The grant is gone (``invalid_grant``, revoked or reused refresh token).

    Retrying cannot help: a person must authorize the connection again.
    """


class KashooAuthRejected(KashooAuthError):
    """The authorization server refused the client or the request itself.

    Examples: ``invalid_client`` (wrong client id or secret), ``unauthorized_client``,
    ``invalid_scope``, or wrong classic-mode credentials. The configuration must be fixed.
    """


class KashooForbidden(KashooError):
    """403: the token may not do this (e.g. ``insufficient_scope``, lapsed subscription)."""


class KashooNotFound(KashooError):
    """404: the object does not exist, or the token may not know that it does."""


class KashooBadRequest(KashooError):
    """Another 4xx: Kashoo refused the request as built. Retrying the same request cannot help."""


class KashooTransientError(KashooError):
    """A failure that is likely to pass: 5xx, timeout, connection error, cut-off body."""

    is_retryable = True


class KashooRateLimited(KashooTransientError):
    """429: too many requests. ``retry_after`` holds the server's requested wait, if given."""


class KashooBadResponse(KashooTransientError):
    """A success status with a body we cannot use: truncated or non-JSON, or the wrong shape.

    Counted as transient because proxies and cut connections cause it far more often than a
    real change of API.
    """


class KashooResponseTooLarge(KashooBadResponse):
    """The body is larger than the client accepts. Not retried: the same request would only
    bring the same oversized answer again."""

    is_retryable = False


class KashooCertificatePinError(KashooConfigError):
    """The server's certificate key is none of the pinned keys: the connection is refused
    before any request (and so any credential) is sent."""


class KashooPagingLimitExceeded(KashooError):
    """A listing went past the configured page cap; the server is probably not advancing."""


class KashooDecryptionError(KashooError):
    """A stored secret cannot be decrypted: wrong key, or the value is not our ciphertext."""


class WebhookVerificationError(KashooError):
    """A webhook failed verification. ``code`` gives the precise reason (see
    :mod:`kashoo_api.signature`); the caller answers 4xx and processes nothing.
    """
