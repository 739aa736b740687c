"""The pure alert rules: a figure against its baseline, in the direction that hurts."""

import pytest
from kashoo_logic import health_rules as health
from kashoo_logic import sync_outcomes
from kashoo_logic.health_rules import HIGHER_IS_WORSE, LOWER_IS_WORSE, evaluate


def test_a_success_rate_falling_more_than_the_threshold_is_a_breach():
    verdict = evaluate(70.0, 95.0, worse=LOWER_IS_WORSE, max_deviation_percent=20)
    assert verdict.breached
    assert verdict.reason == health.BREACH_DEVIATION
    assert verdict.deviation_percent == pytest.approx(-26.3157894)


def test_a_success_rate_rising_is_never_a_breach():
    verdict = evaluate(100.0, 50.0, worse=LOWER_IS_WORSE, max_deviation_percent=20)
    assert not verdict.breached
    assert verdict.deviation_percent == pytest.approx(100.0)


def test_a_processing_time_rising_is_a_breach_and_falling_is_not():
    assert evaluate(130.0, 100.0, worse=HIGHER_IS_WORSE, max_deviation_percent=20).breached
    assert not evaluate(50.0, 100.0, worse=HIGHER_IS_WORSE, max_deviation_percent=20).breached


@pytest.mark.parametrize(
    ("value", "worse"),
    [(120.0, HIGHER_IS_WORSE), (80.0, LOWER_IS_WORSE), (119.9, HIGHER_IS_WORSE)],
)
def test_exactly_at_or_within_the_threshold_is_no_breach(value, worse):
    assert not evaluate(value, 100.0, worse=worse, max_deviation_percent=20).breached


def test_float_noise_at_the_threshold_does_not_tip_it():
    # 8.4 against 7.0 is exactly 20 % more, which floats compute as 20.000000000000004.
    assert not evaluate(8.4, 7.0, worse=HIGHER_IS_WORSE, max_deviation_percent=20).breached
    assert evaluate(8.41, 7.0, worse=HIGHER_IS_WORSE, max_deviation_percent=20).breached


def test_without_baseline_only_the_limit_judges():
    assert not evaluate(900.0, None, worse=HIGHER_IS_WORSE, max_deviation_percent=20).breached
    verdict = evaluate(900.0, None, worse=HIGHER_IS_WORSE, max_deviation_percent=20, limit=500)
    assert verdict.breached
    assert verdict.reason == health.BREACH_LIMIT
    assert verdict.deviation_percent is None


def test_a_zero_baseline_gives_no_deviation():
    # A queue that is usually empty: any queue would be "infinitely" above it.
    verdict = evaluate(3, 0.0, worse=HIGHER_IS_WORSE, max_deviation_percent=20)
    assert verdict == health.Verdict(False, None, None)


def test_a_limit_is_a_floor_when_lower_is_worse():
    assert evaluate(89.0, None, worse=LOWER_IS_WORSE, max_deviation_percent=20, limit=90).breached
    assert not evaluate(
        90.0, None, worse=LOWER_IS_WORSE, max_deviation_percent=20, limit=90
    ).breached


def test_the_limit_wins_over_a_baseline_that_is_itself_bad():
    verdict = evaluate(600.0, 550.0, worse=HIGHER_IS_WORSE, max_deviation_percent=20, limit=500)
    assert verdict.breached
    assert verdict.reason == health.BREACH_LIMIT


def test_no_value_no_breach():
    assert not evaluate(
        None, 100.0, worse=HIGHER_IS_WORSE, max_deviation_percent=20, limit=0
    ).breached


def test_a_zero_threshold_turns_the_baseline_rule_off():
    assert not evaluate(1000.0, 1.0, worse=HIGHER_IS_WORSE, max_deviation_percent=0).breached
    assert not evaluate(1000.0, 1.0, worse=HIGHER_IS_WORSE, max_deviation_percent=None).breached


def test_an_unknown_direction_is_refused():
    with pytest.raises(ValueError, match="direction"):
        evaluate(1.0, 1.0, worse="sideways", max_deviation_percent=20)


def test_a_baseline_needs_enough_figures():
    assert health.usable_baseline(97.0, 23, 24) is None
    assert health.usable_baseline(97.0, 24, 24) == 97.0
    assert health.usable_baseline(None, 100, 24) is None
    assert health.usable_baseline(5.0, 0, 0) is None


def test_ratios_and_averages_of_nothing_are_unknown():
    assert health.ratio_percent(3, 4) == 75.0
    assert health.ratio_percent(0, 0) is None
    assert health.average(900, 4) == 225.0
    assert health.average(0, 0) is None


def test_every_watched_metric_has_a_direction():
    assert set(health.WATCHED_METRICS.values()) <= {HIGHER_IS_WORSE, LOWER_IS_WORSE}
    assert health.WATCHED_METRICS["success_rate"] == LOWER_IS_WORSE


def test_the_success_rate_counts_successes_and_failures_apart():
    assert set(sync_outcomes.SUCCESS_OUTCOMES).isdisjoint(sync_outcomes.FAILURE_OUTCOMES)
    assert sync_outcomes.WAITING not in sync_outcomes.ATTEMPT_OUTCOMES
