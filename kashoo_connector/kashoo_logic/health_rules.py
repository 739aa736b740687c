"""Pure rules of the sync health figures and alerts.

No ORM here: the models pass plain numbers, so the rules can be read (and tested) on their
own. A metric is judged against its baseline (the mean of its earlier figures) in the
direction that hurts only: a success rate that rises or a processing time that falls is
never an alert.
"""

from dataclasses import dataclass

#: Which way a metric goes when the sync gets worse.
HIGHER_IS_WORSE = "higher"
LOWER_IS_WORSE = "lower"

#: The metrics alerts watch: snapshot field -> the direction that is bad.
WATCHED_METRICS = {
    "success_rate": LOWER_IS_WORSE,
    "avg_processing_ms": HIGHER_IS_WORSE,
    "avg_api_ms": HIGHER_IS_WORSE,
    "queue_depth": HIGHER_IS_WORSE,
    "quarantine_count": HIGHER_IS_WORSE,
}

BREACH_DEVIATION = "deviation"
BREACH_LIMIT = "limit"


@dataclass(frozen=True)
class Verdict:
    """What :func:`evaluate` concluded about one figure.

    :ivar bool breached: the figure calls for an alert.
    :ivar str|None reason: :data:`BREACH_LIMIT` or :data:`BREACH_DEVIATION` when breached.
    :ivar float|None deviation_percent: the signed change from the baseline, in percent of
        it; ``None`` without a usable (non-zero) baseline.
    """

    breached: bool
    reason: str | None = None
    deviation_percent: float | None = None


def ratio_percent(part, whole):
    """Return ``part`` in percent of ``whole``, or ``None`` when ``whole`` is zero.

    :rtype: float|None
    """
    if not whole:
        return None
    return part * 100.0 / whole


def average(total, count):
    """Return ``total / count``, or ``None`` when nothing was counted.

    :rtype: float|None
    """
    if not count:
        return None
    return total / count


def usable_baseline(mean, samples, min_samples):
    """Return ``mean`` when it rests on at least ``min_samples`` figures, else ``None``.

    A baseline of a handful of hours says little: alerting on it would be noise.

    :param float|None mean: the mean of the earlier figures.
    :param int samples: how many figures the mean is of.
    :param int min_samples: the fewest figures a baseline needs.
    :rtype: float|None
    """
    if mean is None or samples < max(min_samples, 1):
        return None
    return mean


def deviation_percent(value, baseline):
    """Return the signed change from ``baseline`` to ``value`` in percent of the baseline.

    ``None`` when either is unknown or the baseline is zero: from nothing, any change would
    be infinite, and that is for an absolute limit to judge.

    :rtype: float|None
    """
    if value is None or baseline is None or baseline == 0:
        return None
    return (value - baseline) * 100.0 / abs(baseline)


def evaluate(value, baseline, *, worse, max_deviation_percent, limit=None):
    """Decide whether ``value`` is a breach.

    It is one when it lies beyond ``limit`` in the bad direction, or when it departs from
    ``baseline`` by more than ``max_deviation_percent`` in the bad direction. Exactly at a
    threshold is not yet a breach.

    :param float|None value: the current figure; ``None`` (no data this period) is never a
        breach.
    :param float|None baseline: the mean of the earlier figures; ``None`` when there is too
        little history, which leaves only the limit to judge.
    :param str worse: :data:`HIGHER_IS_WORSE` or :data:`LOWER_IS_WORSE`.
    :param float|None max_deviation_percent: the tolerated change, in percent of the
        baseline; ``0`` or ``None`` turns the baseline rule off.
    :param float|None limit: an absolute ceiling (floor when lower is worse); ``None`` for
        none.
    :rtype: Verdict
    """
    if worse not in (HIGHER_IS_WORSE, LOWER_IS_WORSE):
        raise ValueError(f"unknown direction {worse!r}")
    if value is None:
        return Verdict(False)
    deviation = deviation_percent(value, baseline)
    if limit is not None and _beyond(value, limit, worse):
        return Verdict(True, BREACH_LIMIT, deviation)
    if deviation is not None and max_deviation_percent:
        harm = deviation if worse == HIGHER_IS_WORSE else -deviation
        # Rounded so that float noise cannot tip a figure exactly at the threshold over it.
        if round(harm, 9) > max_deviation_percent:
            return Verdict(True, BREACH_DEVIATION, deviation)
    return Verdict(False, None, deviation)


def _beyond(value, limit, worse):
    return value > limit if worse == HIGHER_IS_WORSE else value < limit
