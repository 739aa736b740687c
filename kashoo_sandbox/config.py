"""Start-up settings of a sandbox instance (CLI flags and SandboxServer arguments)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PORT = 8075
DEFAULT_SEED = 42
DEFAULT_SIZE = 200


@dataclass
class SandboxConfig:
    host: str = "127.0.0.1"
    port: int = 0
    seed: int = DEFAULT_SEED
    size: int = DEFAULT_SIZE
    secondary_size: int | None = None  # records of business 1002; default max(20, size // 10)
    api_prefix: str = "/api"  # "/api" like the real Kashoo, "/v2" like the spec, or ""
    token_lifetime: int = 3600  # access token lifetime, seconds
    refresh_token_lifetime: int = 30 * 24 * 3600
    time_scale: float = 1.0  # multiplies webhook retry delays (tests: 0.001)
    rate_limit: int = 10  # requests per second per client; 0 = off
    auto_approve: bool = False  # consent page approves as the demo user without a form
    webhook_verification_delay: float = 1.0  # seconds between registration and the ping
    webhook_timeout: float = 15.0  # per delivery attempt, seconds
    allow_remote_control: bool = False  # /_sandbox/* from non-loopback clients (containers)
    verbose: bool = False  # log every request to stderr
    issuer: str | None = None  # JWT "iss"; default: the server's own URL

    def __post_init__(self) -> None:
        self.api_prefix = normalise_prefix(self.api_prefix)
        if self.size < 0:
            raise ValueError("size must be >= 0")
        if self.token_lifetime < 1:
            raise ValueError("token_lifetime must be >= 1 second")
        if self.time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        if self.rate_limit < 0:
            raise ValueError("rate_limit must be >= 0")


def normalise_prefix(prefix: str) -> str:
    """``"v2"``, ``"/v2/"`` -> ``"/v2"``; ``"/"`` or ``""`` -> ``""`` (routes at the root)."""
    prefix = (prefix or "").strip().strip("/")
    if any(part in ("", ".", "..") for part in prefix.split("/")) and prefix:
        raise ValueError(f"invalid api prefix: {prefix!r}")
    if prefix.startswith(("_sandbox", "oauth", ".well-known")):
        raise ValueError("the api prefix may not shadow /_sandbox or /oauth")
    return f"/{prefix}" if prefix else ""
