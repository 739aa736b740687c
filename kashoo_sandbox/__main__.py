"""``python -m kashoo_sandbox``: run the sandbox until SIGTERM or SIGINT.

The first stdout line is ``Kashoo sandbox listening on <url>`` (flushed), so a parent process can
start it with ``--port 0`` and read the port it got.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from . import reference_data as ref
from .config import DEFAULT_PORT, DEFAULT_SEED, DEFAULT_SIZE
from .server import SandboxServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m kashoo_sandbox",
        description="Kashoo sandbox: an HTTP server that behaves like Kashoo.",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (0.0.0.0 in containers; default 127.0.0.1)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to bind, 0 = any free port (default {DEFAULT_PORT})",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="data seed")
    parser.add_argument(
        "--size", type=int, default=DEFAULT_SIZE, help="records of business 1001 (default 200)"
    )
    parser.add_argument(
        "--secondary-size",
        type=int,
        default=None,
        help="records of business 1002 (default max(20, size/10))",
    )
    parser.add_argument("--api-prefix", default="/api", help="'/api' (real) or '/v2' (spec)")
    parser.add_argument(
        "--token-lifetime", type=int, default=3600, help="access token lifetime in seconds"
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="multiplier of webhook retry delays (e.g. 0.001)",
    )
    parser.add_argument(
        "--rate-limit", type=int, default=10, help="requests per second per client, 0 = off"
    )
    parser.add_argument(
        "--auto-approve",
        action="store_true",
        help="approve /oauth/authorize as the demo user without a form",
    )
    parser.add_argument(
        "--webhook-verification-delay",
        type=float,
        default=1.0,
        help="seconds between webhook registration and the verification ping",
    )
    parser.add_argument(
        "--allow-remote-control",
        action="store_true",
        help="serve /_sandbox/* to non-loopback clients (containers only)",
    )
    parser.add_argument("--issuer", default=None, help="JWT iss claim (default: the base URL)")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server = SandboxServer(
        host=args.host,
        port=args.port,
        seed=args.seed,
        size=args.size,
        secondary_size=args.secondary_size,
        api_prefix=args.api_prefix,
        token_lifetime=args.token_lifetime,
        time_scale=args.time_scale,
        rate_limit=args.rate_limit,
        auto_approve=args.auto_approve,
        webhook_verification_delay=args.webhook_verification_delay,
        allow_remote_control=args.allow_remote_control,
        issuer=args.issuer,
        verbose=args.verbose,
    )
    stop_requested = threading.Event()

    def request_stop(signum, frame) -> None:
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    server.start()
    print(f"Kashoo sandbox listening on {server.url}", flush=True)
    print(f"API base: {server.api_url}  (seed {args.seed}, size {args.size})", flush=True)
    print(
        f"Demo OAuth client: {ref.DEMO_CLIENT_ID} / {ref.DEMO_CLIENT_SECRET}; "
        f"demo user: {ref.DEMO_USER_EMAIL} / {ref.DEMO_USER_PASSWORD}",
        flush=True,
    )
    try:
        while not stop_requested.wait(0.5):
            pass
    finally:
        server.stop()
    print("Kashoo sandbox stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
