"""The single place where :mod:`requests` is called and its errors become typed errors."""

import json
from decimal import Decimal

import requests

from .exceptions import KashooBadResponse, KashooConfigError, KashooTransientError
from .redact import mask_secrets

# Codes stored on the KashooTransientError raised for transport failures.
CONNECT_TIMEOUT = "connect_timeout"
READ_TIMEOUT = "read_timeout"
CONNECTION_ERROR = "connection_error"
TRUNCATED_BODY = "truncated_body"


def send(session, method, url, *, timeout, **kwargs):
    """Send one HTTP request and return the response, whatever its status.

    Redirects are never followed, so a request cannot be steered to a foreign host.

    :param requests.Session session: the session to send with.
    :param str method: the HTTP method.
    :param str url: the absolute URL.
    :param tuple timeout: ``(connect, read)`` timeouts in seconds; required.
    :param kwargs: passed to :meth:`requests.Session.request` (headers, params, data, ...).
    :return: the response.
    :rtype: requests.Response
    :raises KashooTransientError: on a timeout, a connection failure or a cut-off body; its
        ``code`` tells which (:data:`CONNECT_TIMEOUT` means nothing reached the server).
    :raises KashooConfigError: when the URL itself is unusable.
    """
    where = f"{method} {mask_secrets(url)}"
    try:
        return session.request(method, url, timeout=timeout, allow_redirects=False, **kwargs)
    except requests.ConnectTimeout as error:
        raise KashooTransientError(f"{where}: connect timeout", code=CONNECT_TIMEOUT) from error
    except requests.ReadTimeout as error:
        raise KashooTransientError(f"{where}: read timeout", code=READ_TIMEOUT) from error
    except requests.ConnectionError as error:
        raise KashooTransientError(f"{where}: connection failed", code=CONNECTION_ERROR) from error
    except (
        requests.exceptions.ChunkedEncodingError,
        requests.exceptions.ContentDecodingError,
    ) as error:
        raise KashooTransientError(f"{where}: body cut off", code=TRUNCATED_BODY) from error
    except (
        requests.exceptions.InvalidURL,
        requests.exceptions.MissingSchema,
        requests.exceptions.InvalidSchema,
    ) as error:
        raise KashooConfigError(f"{where}: invalid URL") from error


def response_text(response):
    """Return the body as text, never failing on bad bytes.

    :param requests.Response response: the response.
    :rtype: str
    """
    return response.content.decode("utf-8", errors="replace")


def parse_json_body(response):
    """Parse a response body as strict JSON.

    Floats become :class:`~decimal.Decimal` so that money never passes through ``float``;
    ``NaN`` and ``Infinity`` are refused. A body shorter than its ``Content-Length`` is
    refused even when what arrived happens to be valid JSON.

    :param requests.Response response: the response.
    :return: the decoded JSON value.
    :raises KashooBadResponse: when the body is truncated, empty or not JSON.
    """
    content = response.content
    declared_length = response.headers.get("Content-Length")
    if (
        declared_length
        and declared_length.isdigit()
        and "Content-Encoding" not in response.headers
        and int(declared_length) != len(content)
    ):
        raise KashooBadResponse(
            f"body has {len(content)} bytes, Content-Length says {declared_length}",
            status=response.status_code,
            code=TRUNCATED_BODY,
            body=response_text(response),
        )
    try:
        return json.loads(content.decode("utf-8"), parse_float=Decimal, parse_constant=_refuse)
    except (UnicodeDecodeError, ValueError) as error:
        raise KashooBadResponse(
            f"body is not valid JSON ({response.headers.get('Content-Type', 'no content type')})",
            status=response.status_code,
            code="invalid_json",
            body=response_text(response),
        ) from error


def _refuse(constant):
    raise ValueError(f"{constant} is not valid JSON")
