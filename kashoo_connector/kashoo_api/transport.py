"""The single place where :mod:`requests` is called and its errors become typed errors.

Every session that talks to Kashoo comes from :func:`secure_session`: TLS 1.2 or newer, and
optionally the server's key pinned (SPKI SHA-256). Every body is read through a size cap.
"""

import base64
import hashlib
import json
import ssl
from decimal import Decimal

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from requests.adapters import HTTPAdapter
from urllib3.util.ssl_ import create_urllib3_context

from .const import DEFAULT_MAX_RESPONSE_BYTES
from .exceptions import (
    KashooBadResponse,
    KashooCertificatePinError,
    KashooConfigError,
    KashooResponseTooLarge,
    KashooTransientError,
)
from .redact import mask_secrets

# Codes stored on the KashooTransientError raised for transport failures.
CONNECT_TIMEOUT = "connect_timeout"
READ_TIMEOUT = "read_timeout"
CONNECTION_ERROR = "connection_error"
TRUNCATED_BODY = "truncated_body"
BODY_TOO_LARGE = "body_too_large"

_READ_CHUNK = 64 * 1024


def spki_pin(der_certificate):
    """Return the pin of a certificate: base64 of the SHA-256 of its SubjectPublicKeyInfo.

    The form of HPKP and ``openssl ... | openssl dgst -sha256 -binary | base64``; it survives
    certificate renewals that keep the key.

    :param bytes der_certificate: the certificate, DER-encoded.
    :rtype: str
    """
    spki = (
        x509.load_der_x509_certificate(der_certificate)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")


def _pinned_socket_class(pins):
    """An :class:`ssl.SSLSocket` that refuses a server whose key is not among ``pins``.

    The check runs right after the handshake, before urllib3 writes the request: a wrong
    server never sees a header, let alone a token.
    """

    class PinnedSSLSocket(ssl.SSLSocket):
        def do_handshake(self, *args, **kwargs):
            super().do_handshake(*args, **kwargs)
            pin = spki_pin(self.getpeercert(binary_form=True))
            if pin not in pins:
                self.close()
                raise KashooCertificatePinError(
                    f"the certificate key of {self.server_hostname} (pin {pin}) is not one "
                    "of the pinned keys",
                    code="pin_mismatch",
                )

    return PinnedSSLSocket


def tls_context(pins=None):
    """Return the SSL context of Kashoo connections: TLS 1.2 at least, optional pinning.

    urllib3 still verifies the chain (against the session's ``verify``) and the host name.

    :param pins: base64 SPKI SHA-256 pins; the server's key must match one. None: no pinning.
    :rtype: ssl.SSLContext
    """
    context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    pins = frozenset(pin.strip() for pin in pins or () if pin and pin.strip())
    if pins:
        context.sslsocket_class = _pinned_socket_class(pins)
    return context


class TLSAdapter(HTTPAdapter):
    """An :class:`~requests.adapters.HTTPAdapter` whose connections use :func:`tls_context`."""

    def __init__(self, pins=None, **kwargs):
        self.ssl_context = tls_context(pins)
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["ssl_context"] = self.ssl_context
        return super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, *args, **kwargs):
        kwargs["ssl_context"] = self.ssl_context
        return super().proxy_manager_for(*args, **kwargs)


def secure_session(pins=None):
    """Return a :class:`requests.Session` whose https connections go through a
    :class:`TLSAdapter` (TLS 1.2 or newer, optionally pinned).

    :param pins: as :func:`tls_context`.
    :rtype: requests.Session
    """
    session = requests.Session()
    session.mount("https://", TLSAdapter(pins))
    return session


def send(session, method, url, *, timeout, max_bytes=DEFAULT_MAX_RESPONSE_BYTES, **kwargs):
    """Send one HTTP request and return the response, whatever its status.

    Redirects are never followed, so a request cannot be steered to a foreign host.

    :param requests.Session session: the session to send with.
    :param str method: the HTTP method.
    :param str url: the absolute URL.
    :param tuple timeout: ``(connect, read)`` timeouts in seconds; required.
    :param int max_bytes: the largest body read; a larger one is refused unread.
    :param kwargs: passed to :meth:`requests.Session.request` (headers, params, data, ...).
    :return: the response.
    :rtype: requests.Response
    :raises KashooTransientError: on a timeout, a connection failure or a cut-off body; its
        ``code`` tells which (:data:`CONNECT_TIMEOUT` means nothing reached the server).
    :raises KashooResponseTooLarge: the body is larger than ``max_bytes``.
    :raises KashooCertificatePinError: the server's key is not pinned.
    :raises KashooConfigError: when the URL itself is unusable.
    """
    where = f"{method} {mask_secrets(url)}"
    try:
        response = session.request(
            method, url, timeout=timeout, allow_redirects=False, stream=True, **kwargs
        )
        try:
            _read_capped(response, max_bytes, where)
        finally:
            response.close()
        return response
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


def _read_capped(response, max_bytes, where):
    """Load the body of a streamed ``response``, refusing it past ``max_bytes``.

    A declared ``Content-Length`` over the cap is refused before reading; otherwise the
    (decompressed) body is counted as it arrives, so neither a lying length nor a compression
    bomb gets more than ``max_bytes`` into memory.
    """
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(response, where, max_bytes)
    chunks = []
    received = 0
    for chunk in response.iter_content(_READ_CHUNK):
        received += len(chunk)
        if received > max_bytes:
            raise _too_large(response, where, max_bytes)
        chunks.append(chunk)
    # What requests does itself when it reads a body without streaming.
    response._content = b"".join(chunks)
    response._content_consumed = True


def _too_large(response, where, max_bytes):
    return KashooResponseTooLarge(
        f"{where}: response body larger than {max_bytes} bytes refused",
        status=response.status_code,
        code=BODY_TOO_LARGE,
    )


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
