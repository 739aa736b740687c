"""At most one log line per key and window; the next line says how many were held back."""

from kashoo_logic.log_throttle import LogThrottle


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_one_line_per_key_and_window():
    clock = Clock()
    throttle = LogThrottle(window=60, clock=clock)
    assert throttle.admit(("signature_mismatch", "203.0.113.5")) == 0
    for _ in range(3):
        assert throttle.admit(("signature_mismatch", "203.0.113.5")) is None
    # Another reason, another sender: their own lines.
    assert throttle.admit(("missing_id", "203.0.113.5")) == 0
    assert throttle.admit(("signature_mismatch", "198.51.100.7")) == 0
    clock.now += 59
    assert throttle.admit(("signature_mismatch", "203.0.113.5")) is None
    clock.now += 2
    assert throttle.admit(("signature_mismatch", "203.0.113.5")) == 4
    assert throttle.admit(("signature_mismatch", "203.0.113.5")) is None


def test_memory_is_bounded():
    clock = Clock()
    throttle = LogThrottle(window=60, max_keys=100, clock=clock)
    for index in range(1000):
        throttle.admit(("signature_mismatch", f"10.0.{index // 256}.{index % 256}"))
        assert len(throttle) <= 100
    clock.now += 61
    assert throttle.admit(("signature_mismatch", "10.0.0.0")) is not None


def test_reset_forgets_everything():
    throttle = LogThrottle(window=60, clock=Clock())
    throttle.admit("key")
    assert throttle.admit("key") is None
    throttle.reset()
    assert throttle.admit("key") == 0
