"""Run the sandbox app on a threaded Werkzeug server in a background thread."""

from __future__ import annotations

import socket
import struct
import threading

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from .app import SandboxApp
from .config import SandboxConfig


class _RequestHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-") -> None:
        pass  # the app keeps its own request log (and prints it with verbose=True)

    def connection_dropped(self, error, environ=None) -> None:
        # Stop the keep-alive loop, or the handler would wait for a request that never comes.
        self.close_connection = True


class _Server(ThreadedWSGIServer):
    """Adds the "connection reset" fault: close with SO_LINGER 0, which sends a TCP RST."""

    def __init__(self, *args, **kwargs):
        self._reset_sockets: set[int] = set()
        self._reset_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def mark_for_reset(self, environ: dict) -> None:
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            with self._reset_lock:
                self._reset_sockets.add(id(sock))

    def shutdown_request(self, request) -> None:
        with self._reset_lock:
            reset = id(request) in self._reset_sockets
            self._reset_sockets.discard(id(request))
        if reset:
            try:
                request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            self.close_request(request)  # no shutdown(SHUT_WR): that would send a FIN first
            return
        super().shutdown_request(request)


class SandboxServer:
    """A Kashoo sandbox on a real HTTP port, started in a background thread.

    >>> with SandboxServer(seed=7, size=60, rate_limit=0) as sandbox:
    ...     requests.get(sandbox.api_url + "/users/me", headers=...)

    ``port=0`` picks a free port; read it back from ``.port`` or ``.url`` after ``start()``.
    All other keyword arguments are :class:`~kashoo_sandbox.config.SandboxConfig` fields.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **settings):
        self.config = SandboxConfig(host=host, port=port, **settings)
        self.app = SandboxApp(self.config)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> SandboxServer:
        if self._server is not None:
            raise RuntimeError("sandbox already started")
        if self.app.stop_event.is_set():
            raise RuntimeError("a stopped sandbox cannot be restarted; create a new one")
        self._server = _Server(
            self.config.host, self.config.port, self.app, handler=_RequestHandler
        )
        self.app.connection_reset_hook = self._server.mark_for_reset
        self.app.auth.issuer = self.config.issuer or self.url
        self.app.webhooks.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="kashoo-sandbox-http",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self.app.stop_event.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.app.webhooks.stop()
        self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- addresses -----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("sandbox not started")
        return self._server.server_port

    @property
    def url(self) -> str:
        """Base URL clients should use, e.g. ``http://127.0.0.1:54321``."""
        host = self.config.host
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host == "::":
            host = "[::1]"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        """``url`` + the API prefix, e.g. ``http://127.0.0.1:54321/api``."""
        return self.url + self.config.api_prefix

    # --- conveniences for tests ----------------------------------------------------------------

    @property
    def store(self):
        return self.app.store

    def issue_tokens(
        self, client_id: str | None = None, user: str | None = None, scope: str | None = None
    ) -> dict:
        """A token response for ``client_id`` (default: the demo client), no browser needed."""
        return self.app.auth.issue_without_consent(client_id, user, scope)
