"""Fakes and constants shared by the ``kashoo_api`` tests (no network, no real waiting)."""

BASE_URL = "https://kashoo.test"
API_URL = f"{BASE_URL}/api"
BUSINESS_URL = f"{API_URL}/businesses/1001"
#: A fixed "now" for Retry-After dates and token expiry: 2026-11-25T17:00:00Z.
NOW = 1795626000.0


class RecordingSleep:
    """Stands in for ``time.sleep``: records each requested wait, never waits."""

    def __init__(self):
        self.delays = []

    def __call__(self, seconds):
        self.delays.append(seconds)


class NoRateLimit:
    """A rate limiter that never waits, so client tests only see retry sleeps."""

    def acquire(self):
        return 0.0


class CountingTokenProvider:
    """Hands out ``token-0``, then ``token-1`` after a forced refresh, and so on."""

    def __init__(self):
        self.refreshes = 0

    def get_access_token(self, force_refresh=False):
        if force_refresh:
            self.refreshes += 1
        return f"token-{self.refreshes}"
