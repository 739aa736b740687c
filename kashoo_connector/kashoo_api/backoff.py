"""Pure retry-timing functions: exponential backoff, ``Retry-After``, sync retry schedule."""

import random
import re
from datetime import timezone
from email.utils import parsedate_to_datetime

from .const import (
    DEFAULT_BACKOFF_BASE,
    DEFAULT_BACKOFF_CAP,
    SYNC_MAX_TRIES,
    SYNC_RETRY_HORIZON_SECONDS,
    SYNC_RETRY_JITTER_RATIO,
)

# Past this exponent the ceiling is the cap anyway; stopping here avoids huge floats.
_MAX_EXPONENT = 62
_DELTA_SECONDS = re.compile(r"[0-9]+", re.ASCII)


def full_jitter_delay(retry_index, *, base=DEFAULT_BACKOFF_BASE, cap=DEFAULT_BACKOFF_CAP, rng=None):
    """Return a backoff delay with "full jitter": uniform in ``[0, min(cap, base * 2**n)]``.

    Full jitter spreads the retries of many clients that failed together, so they do not
    come back in lockstep.

    :param int retry_index: 0 for the first retry, 1 for the second, and so on.
    :param float base: the ceiling for the first retry, in seconds.
    :param float cap: the largest ceiling, in seconds.
    :param rng: an object with ``uniform(a, b)``, such as :class:`random.Random`; the module
        ``random`` when omitted.
    :return: the delay in seconds.
    :rtype: float
    """
    if retry_index < 0:
        raise ValueError("retry_index must be >= 0")
    ceiling = min(cap, base * 2 ** min(retry_index, _MAX_EXPONENT))
    return (rng or random).uniform(0, ceiling)


def parse_retry_after(header_value, now):
    """Parse an HTTP ``Retry-After`` value (RFC 9110 §10.2.3) into seconds from ``now``.

    Both forms are accepted: delta-seconds (``"120"``) and an HTTP-date
    (``"Wed, 21 Oct 2026 07:28:00 GMT"``). A date in the past gives ``0``.

    :param str|None header_value: the raw header value, or ``None`` when absent.
    :param float now: the current time as a Unix timestamp.
    :return: the wait in seconds, or ``None`` when the header is absent or unusable.
    :rtype: float|None
    """
    if header_value is None:
        return None
    value = header_value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        return float(int(value))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        # Python 3.10 raises TypeError on unparsable dates, 3.11+ ValueError.
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        # An HTTP-date is always GMT; "-0000" parses as a naive datetime.
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, moment.timestamp() - now)


def sync_retry_delay(
    try_number,
    *,
    max_tries=SYNC_MAX_TRIES,
    horizon_seconds=SYNC_RETRY_HORIZON_SECONDS,
    jitter_ratio=SYNC_RETRY_JITTER_RATIO,
    rng=None,
):
    """Return how long to wait before sync try number ``try_number``, or ``None`` to give up.

    Try 1 runs at once. The waits before tries 2..``max_tries`` double each time and their
    nominal values add up to exactly ``horizon_seconds`` (for 8 tries over 24 h: about
    11 min, 23 min, 45 min, 1.5 h, 3 h, 6 h, 12 h). Jitter only shortens a wait, by up to
    ``jitter_ratio``, so all tries always fit within the horizon.

    :param int try_number: the number of the try about to be scheduled, starting at 1.
    :param int max_tries: the total number of tries allowed.
    :param float horizon_seconds: the time all tries must fit in.
    :param float jitter_ratio: the largest fraction (0..1) removed from a nominal wait.
    :param rng: an object with ``uniform(a, b)``; the module ``random`` when omitted.
    :return: the wait in seconds, or ``None`` once ``try_number`` exceeds ``max_tries``.
    :rtype: float|None
    """
    if try_number < 1:
        raise ValueError("try_number starts at 1")
    if not 0 <= jitter_ratio <= 1:
        raise ValueError("jitter_ratio must be within [0, 1]")
    if try_number > max_tries:
        return None
    if try_number == 1:
        return 0.0
    retries = max_tries - 1
    unit = horizon_seconds / (2**retries - 1)
    nominal = unit * 2 ** (try_number - 2)
    return nominal * (rng or random).uniform(1 - jitter_ratio, 1)
