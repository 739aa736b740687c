"""Response size caps, TLS 1.2 minimum and certificate pinning, over real local sockets."""

import base64
import datetime
import hashlib
import http.server
import ipaddress
import ssl
import threading

import pytest
import responses
from api_fakes import CountingTokenProvider, NoRateLimit
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from kashoo_api import KashooAuth, KashooClient, refresh_tokens
from kashoo_api.exceptions import KashooBadResponse, KashooCertificatePinError
from kashoo_api.transport import secure_session, tls_context

CHUNK = b"[" + b" " * (64 * 1024 - 1)
BIG_BODY_BYTES = 64 * 1024 * 1024


class _Server:
    """An HTTP(S) server on 127.0.0.1 in a thread, counting the body bytes it got out."""

    def __init__(self, handler_body, tls=None):
        self.sent = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                handler_body(self, server)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.httpd.shutdown()
        self.httpd.server_close()


def _stream_endless_json(handler, server):
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.end_headers()
    try:
        while server.sent < BIG_BODY_BYTES:
            handler.wfile.write(CHUNK)
            server.sent += len(CHUNK)
    except OSError:
        pass  # the client hung up, as it should


def _client(url, **overrides):
    settings = {
        "auth": KashooAuth(CountingTokenProvider()),
        "business_id": 1001,
        "rate_limiter": NoRateLimit(),
        "sleep": lambda _seconds: None,
        "max_response_bytes": 1024 * 1024,
    }
    settings.update(overrides)
    return KashooClient(url, **settings)


def test_an_oversized_streamed_body_is_refused_without_reading_it_all():
    with _Server(_stream_endless_json) as server:
        with _client(server.url) as client, pytest.raises(KashooBadResponse) as caught:
            client.get_me()
    assert caught.value.code == "body_too_large"
    assert not caught.value.is_retryable
    # Socket buffers hold a few MB at most; the rest of the 64 MB was never sent.
    assert server.sent < BIG_BODY_BYTES / 2


def test_a_body_over_the_cap_is_refused_and_not_fetched_again():
    with responses.RequestsMock() as mock:
        mock.get("https://kashoo.test/api/users/me", body=b"{}" * (600 * 1024))
        with _client("https://kashoo.test") as client, pytest.raises(KashooBadResponse) as caught:
            client.get_me()
        assert len(mock.calls) == 1, "a body too large is not fetched again"
    assert caught.value.code == "body_too_large"


def test_the_token_endpoint_answer_is_capped_too():
    with _Server(_stream_endless_json) as server:
        with pytest.raises(KashooBadResponse) as caught:
            refresh_tokens(f"{server.url}/oauth/token", "refresh-1", "client", "secret")
    assert caught.value.code == "body_too_large"
    assert server.sent < BIG_BODY_BYTES / 2


def test_every_kashoo_session_requires_tls_1_2_or_newer():
    assert tls_context().minimum_version >= ssl.TLSVersion.TLSv1_2
    adapter = secure_session().get_adapter("https://api.kashoo.com")
    assert adapter.ssl_context.minimum_version >= ssl.TLSVersion.TLSv1_2
    client = _client("https://kashoo.test")
    assert client._session.get_adapter("https://kashoo.test").ssl_context.minimum_version >= (
        ssl.TLSVersion.TLSv1_2
    )


# -- certificate pinning ---------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_server_files(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, its files, and its SPKI SHA-256 pin."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path = folder / "cert.pem"
    key_path = folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pin = base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")
    return cert_path, key_path, pin


def _answer_me(handler, _server):
    body = b'{"id": 7}'
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _pinned_get(tls_server_files, pins):
    cert_path, key_path, _pin = tls_server_files
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_path, key_path)
    with _Server(_answer_me, tls=server_context) as server:
        session = secure_session(pins=pins)
        session.verify = str(cert_path)
        session.trust_env = False  # else REQUESTS_CA_BUNDLE would replace verify
        with _client(server.url, session=session) as client:
            return client.get_me()


def test_the_right_pin_is_accepted(tls_server_files):
    pin = tls_server_files[2]
    assert _pinned_get(tls_server_files, [pin]) == {"id": 7}
    assert _pinned_get(tls_server_files, None) == {"id": 7}


def test_a_wrong_pin_is_refused(tls_server_files):
    wrong = base64.b64encode(hashlib.sha256(b"another key").digest()).decode("ascii")
    with pytest.raises(KashooCertificatePinError):
        _pinned_get(tls_server_files, [wrong])


def test_pinning_refuses_before_any_request_is_sent(tls_server_files):
    cert_path, key_path, _pin = tls_server_files
    wrong = base64.b64encode(hashlib.sha256(b"another key").digest()).decode("ascii")
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_path, key_path)
    seen = []

    def record(handler, server):
        seen.append(handler.headers.get("Authorization"))
        _answer_me(handler, server)

    with _Server(record, tls=server_context) as server:
        session = secure_session(pins=[wrong])
        session.verify = str(cert_path)
        session.trust_env = False  # else REQUESTS_CA_BUNDLE would replace verify
        with pytest.raises(KashooCertificatePinError):
            session.get(server.url, headers={"Authorization": "Bearer token-0"}, timeout=5)
    assert seen == []
