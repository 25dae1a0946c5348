"""Survey scores follow their published definitions, on worked examples computed by hand.

Pure functions: no database, no personas. Expected values are computed independently in the
test (by hand, with fractions.Fraction, or from scipy's distributions directly), never by
calling the function under test a second time.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from branchcx.surveys.scoring import (
    MAX_DRIVERS,
    SMALL_SAMPLE,
    ces,
    ces_from_moments,
    cronbach_alpha,
    csat,
    csat_from_counts,
    csat_interval,
    flag_unreliable,
    importance_weights,
    nps,
    nps_from_counts,
    relative_importance,
    relative_weights,
    servqual,
    small_sample,
    tolerance_zone,
)

# --- NPS ------------------------------------------------------------------------------------

# 50 promoters, 30 passives, 20 detractors: the worked example in docs/scores.md
WORKED_NPS = [10] * 25 + [9] * 25 + [8] * 15 + [7] * 15 + [6] * 10 + [0] * 10


def test_nps_worked_example_fifty_promoters_twenty_detractors():
    result = nps(WORKED_NPS)

    assert (result.n, result.promoters, result.passives, result.detractors) == (100, 50, 30, 20)
    assert result.score == pytest.approx(30, abs=1e-12)
    # SE = sqrt((0.5 + 0.2 - 0.3**2) / 100) * 100 = sqrt(0.0061) * 100
    assert result.se == pytest.approx(7.81, abs=1e-2)
    assert result.se == pytest.approx(math.sqrt(0.0061) * 100, abs=1e-9)
    assert result.low == pytest.approx(14.69, abs=1e-2)
    assert result.high == pytest.approx(45.31, abs=1e-2)


def test_nps_groups_six_as_detractor_seven_and_eight_as_passive_nine_as_promoter():
    result = nps([6, 7, 8, 9])

    assert (result.detractors, result.passives, result.promoters) == (1, 2, 1)
    assert result.score == 0


def test_nps_narrower_interval_at_lower_confidence():
    result = nps(WORKED_NPS, confidence=0.90)

    z = stats.norm.ppf(0.95)
    assert result.low == pytest.approx(30 - z * math.sqrt(0.0061) * 100, abs=1e-9)
    assert result.high - result.low < 45.31 - 14.69


def test_nps_interval_is_clipped_to_the_scale():
    # p = 0.9, d = 0: SE = sqrt(0.09 / 10) * 100 = 9.49, so 90 + 1.96 * SE would pass 100
    result = nps([10] * 9 + [8])

    assert result.score == pytest.approx(90)
    assert result.high == 100
    assert result.low == pytest.approx(90 - stats.norm.ppf(0.975) * math.sqrt(0.009) * 100)


def test_nps_without_answers_reports_zero_responses_and_no_score():
    result = nps([])

    assert result.n == 0
    assert (result.score, result.se, result.low, result.high) == (None, None, None, None)
    assert result.is_small_sample


@pytest.mark.parametrize("bad", [11, -1, 9.5, 9.0, None, True, "9"])
def test_nps_refuses_answers_that_are_not_whole_numbers_from_0_to_10(bad):
    with pytest.raises(ValueError, match="NPS answer #1"):
        nps([10, bad, 3])


def test_nps_accepts_numpy_integers():
    assert nps(np.array([10, 10, 0, 8])).score == pytest.approx(25)


@pytest.mark.parametrize("confidence", [0, 1, 95, -0.5, float("nan")])
def test_nps_refuses_a_confidence_outside_0_1(confidence):
    with pytest.raises(ValueError, match="confidence"):
        nps([9, 10], confidence=confidence)


# --- CSAT -----------------------------------------------------------------------------------


def test_csat_is_the_share_of_fours_and_fives():
    assert csat([5, 4, 3, 2, 1, 4, 5, 5]) == pytest.approx(62.5)  # 5 of 8
    assert csat([3, 3, 3]) == 0
    assert csat([]) is None


def test_csat_interval_is_the_wilson_score_interval():
    result = csat_interval([5, 4, 3, 2, 1, 4, 5, 5])

    # Wilson (1927) by hand: k = 5, n = 8
    z, n, phat = stats.norm.ppf(0.975), 8, 5 / 8
    centre = (phat + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * math.sqrt(phat * (1 - phat) / n + z**2 / (4 * n**2))
    assert (result.n, result.satisfied, result.score) == (8, 5, pytest.approx(62.5))
    assert result.low == pytest.approx(100 * (centre - half), abs=1e-9)
    assert result.high == pytest.approx(100 * (centre + half), abs=1e-9)


def test_csat_interval_keeps_a_width_when_everyone_is_satisfied():
    result = csat_interval([5, 4, 5, 5])

    assert result.score == 100
    assert result.high == pytest.approx(100)
    assert result.low < 60  # a Wald interval would claim [100, 100] from four answers


def test_csat_interval_without_answers():
    result = csat_interval([])

    assert (result.n, result.score, result.low, result.high) == (0, None, None, None)


@pytest.mark.parametrize("bad", [0, 6, 4.5])
def test_csat_refuses_answers_off_the_1_to_5_scale(bad):
    with pytest.raises(ValueError, match="CSAT"):
        csat([5, bad])


# --- CES ------------------------------------------------------------------------------------


def test_ces_mean_and_t_interval():
    result = ces([5, 6, 5, 4, 6, 5, 4, 5])

    # deviations from 5: 0 1 0 -1 1 0 -1 0, sum of squares 4, s^2 = 4/7, SE^2 = 4/7/8
    se = math.sqrt(Fraction(4, 7) / 8)
    t = stats.t.ppf(0.975, 7)
    assert result.mean == 5
    assert result.se == pytest.approx(se, abs=1e-12)
    assert result.low == pytest.approx(5 - t * se, abs=1e-12)
    assert result.high == pytest.approx(5 + t * se, abs=1e-12)


def test_ces_interval_stays_on_the_1_to_7_scale():
    # mean 5, s = sqrt(3.5), t(0.975, 4) = 2.78: the upper bound 7.32 is clipped
    result = ces([7, 6, 5, 5, 2])

    assert result.mean == 5
    assert result.high == 7
    assert result.low == pytest.approx(5 - stats.t.ppf(0.975, 4) * math.sqrt(3.5 / 5))


def test_ces_with_one_answer_has_a_mean_but_no_interval():
    result = ces([6])

    assert (result.mean, result.se, result.low, result.high, result.n) == (6, None, None, None, 1)
    assert ces([]).mean is None


def test_ces_refuses_an_answer_of_8():
    with pytest.raises(ValueError, match="1-7"):
        ces([7, 8])


# --- Cronbach's alpha -----------------------------------------------------------------------

FIVE_BY_THREE = [[3, 4, 3], [4, 5, 4], [2, 3, 3], [5, 5, 4], [3, 2, 2]]


def _sample_variance(values: list[Fraction]) -> Fraction:
    mean = sum(values, Fraction(0)) / len(values)
    return sum(((v - mean) ** 2 for v in values), Fraction(0)) / (len(values) - 1)


def test_alpha_matches_the_definition_computed_exactly():
    result = cronbach_alpha(FIVE_BY_THREE)

    # alpha = k/(k-1) * (1 - sum of item variances / variance of totals), exact arithmetic
    rows = [[Fraction(v) for v in row] for row in FIVE_BY_THREE]
    items = [_sample_variance([row[j] for row in rows]) for j in range(3)]
    totals = _sample_variance([sum(row, Fraction(0)) for row in rows])
    expected = Fraction(3, 2) * (1 - sum(items, Fraction(0)) / totals)
    # item variances 1.3, 1.7, 0.7 and total variance 9.3: alpha = 1.5 * (1 - 3.7/9.3)
    assert expected == Fraction(28, 31)
    assert (result.n, result.k, result.dropped) == (5, 3, 0)
    assert result.alpha == pytest.approx(float(expected), abs=1e-9)


def test_alpha_feldt_interval_uses_f_with_n_minus_1_and_n_minus_1_times_k_minus_1_df():
    result = cronbach_alpha(FIVE_BY_THREE)

    alpha = 28 / 31
    assert result.low == pytest.approx(1 - (1 - alpha) * stats.f.ppf(0.975, 4, 8), abs=1e-9)
    assert result.high == pytest.approx(1 - (1 - alpha) * stats.f.ppf(0.025, 4, 8), abs=1e-9)
    assert result.low < result.alpha < result.high


# pingouin's "cronbach_alpha" example data set (15 respondents x 10 items, Q1..Q10), whose
# documented result is alpha = 0.5917188485995826 with a 95% interval of [0.195, 0.840]
# (pingouin.cronbach_alpha docstring and tests, Vallat 2018, JOSS 3(31):1026)
PINGOUIN_ITEMS = [
    [3, 5, 7, 2, 6, 1, 4, 2, 6, 5, 4, 4, 5, 6, 4],
    [2, 4, 3, 4, 5, 2, 3, 4, 5, 4, 3, 2, 5, 5, 3],
    [4, 6, 5, 3, 6, 3, 5, 4, 5, 6, 5, 3, 6, 5, 5],
    [1, 3, 5, 3, 5, 4, 3, 3, 5, 4, 2, 2, 2, 4, 5],
    [4, 5, 6, 2, 4, 2, 5, 7, 1, 3, 5, 5, 3, 2, 3],
    [5, 1, 4, 2, 4, 5, 2, 2, 6, 5, 3, 3, 3, 2, 1],
    [1, 2, 3, 2, 4, 2, 1, 2, 5, 3, 2, 4, 2, 1, 3],
    [4, 5, 3, 6, 6, 3, 2, 4, 2, 1, 3, 2, 4, 4, 2],
    [3, 5, 6, 6, 7, 5, 4, 6, 3, 7, 4, 3, 4, 6, 3],
    [2, 5, 5, 3, 5, 2, 3, 5, 2, 2, 1, 4, 5, 5, 4],
]


def test_alpha_reproduces_pingouins_published_example():
    respondents = [list(answers) for answers in zip(*PINGOUIN_ITEMS, strict=True)]

    result = cronbach_alpha(respondents)

    assert (result.n, result.k) == (15, 10)
    assert result.alpha == pytest.approx(0.5917188485995826, abs=1e-9)
    assert (round(result.low, 3), round(result.high, 3)) == (0.195, 0.840)
    assert not result.reliable


def test_alpha_drops_respondents_with_a_missing_item_listwise():
    with_gaps = [*FIVE_BY_THREE, [5, None, 1], [1, 2, float("nan")]]

    result = cronbach_alpha(with_gaps)

    assert (result.n, result.dropped) == (5, 2)
    assert result.alpha == pytest.approx(28 / 31, abs=1e-12)


def test_alpha_is_raw_so_rescaling_one_item_changes_it():
    # standardized alpha depends only on correlations and would not move
    rescaled = [[a, b, 10 * c] for a, b, c in FIVE_BY_THREE]

    assert cronbach_alpha(rescaled).alpha != pytest.approx(28 / 31, abs=1e-3)


def test_alpha_needs_two_items_two_respondents_and_varying_totals():
    with pytest.raises(ValueError, match="2 items"):
        cronbach_alpha([[1], [2], [3]])
    with pytest.raises(ValueError, match="2 respondents"):
        cronbach_alpha([[1, 2, 3], [2, None, 4]])
    with pytest.raises(ValueError, match="same total"):
        cronbach_alpha([[1, 3], [2, 2], [3, 1]])
    with pytest.raises(ValueError, match="same number of items"):
        cronbach_alpha([[1, 2], [1, 2, 3]])
    with pytest.raises(ValueError, match="not a number"):
        cronbach_alpha([[1, 2], [1, "3"]])


def test_scale_below_0_7_is_flagged_unreliable():
    assert flag_unreliable(0.69)
    assert not flag_unreliable(0.70)
    assert flag_unreliable(0.75, threshold=0.8)
    assert cronbach_alpha(FIVE_BY_THREE).reliable  # 0.90


# --- SERVQUAL -------------------------------------------------------------------------------

# Items 0-1 measure reliability, 2-3 empathy; respondent 3 skipped the expectation of item 2
EXPECTATIONS = [[6, 7, 5, 6], [7, 7, 6, 5], [5, 6, None, 6]]
PERCEPTIONS = [[5, 6, 6, 6], [6, 5, 6, 4], [5, 7, 4, 4]]
DIMENSIONS = {"reliability": [0, 1], "empathy": [2, 3]}


def test_servqual_hand_worked_two_dimension_example():
    result = servqual(
        EXPECTATIONS, PERCEPTIONS, DIMENSIONS, weights={"reliability": 60, "empathy": 40}
    )

    # P - E per item: (-1 -1 0), (-1 -2 1), (1 0 -), (0 -1 -2)
    assert result.item_gaps == pytest.approx([-2 / 3, -2 / 3, 0.5, -1])
    assert result.item_n == (3, 3, 2, 3)
    assert result.dimension_gaps["reliability"] == pytest.approx(-2 / 3)
    # average of the item averages (0.5 and -1), not the mean of the five answers (-0.4)
    assert result.dimension_gaps["empathy"] == pytest.approx(-0.25)
    assert result.overall == pytest.approx((-2 / 3 - 0.25) / 2)  # -0.4583
    assert result.weighted_overall == pytest.approx(0.6 * -2 / 3 + 0.4 * -0.25)  # -0.5


def test_servperf_uses_every_perception_answer():
    result = servqual(EXPECTATIONS, PERCEPTIONS, DIMENSIONS)

    # item 2's perception counts respondent 3 even without an expectation
    assert result.item_perceptions == pytest.approx([16 / 3, 6, 16 / 3, 14 / 3])
    assert result.item_perception_n == (3, 3, 3, 3)
    assert result.servperf_dimensions["reliability"] == pytest.approx(17 / 3)
    assert result.servperf_dimensions["empathy"] == pytest.approx(5)
    assert result.servperf_overall == pytest.approx(16 / 3)
    assert result.weighted_overall is None


def test_importance_weights_average_the_100_point_allocations():
    weights = importance_weights(
        [{"reliability": 70, "empathy": 30}, {"reliability": 50, "empathy": 50}]
    )

    assert weights == {"reliability": 60, "empathy": 40}
    result = servqual(EXPECTATIONS, PERCEPTIONS, DIMENSIONS, weights=weights)
    assert result.weighted_overall == pytest.approx(-0.5)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"reliability": 60, "empathy": 30}], "allocates 90 points, not 100"),
        ([{"reliability": 110, "empathy": -10}], "-10 points"),
        ([{"reliability": 50, "empathy": 50}, {"reliability": 100}], "names"),
        ([], "no importance allocations"),
    ],
)
def test_importance_weights_refuse_rows_that_do_not_share_100_points(rows, message):
    with pytest.raises(ValueError, match=message):
        importance_weights(rows)


def test_servqual_item_without_complete_pairs_leaves_its_scores_empty():
    expectations = [[6, None], [5, None]]
    perceptions = [[5, 4], [6, 5]]

    result = servqual(expectations, perceptions, {"a": [0], "b": [1]}, weights={"a": 1, "b": 1})

    assert result.item_gaps == (0.0, None)
    assert result.dimension_gaps == {"a": 0.0, "b": None}
    assert (result.overall, result.weighted_overall) == (None, None)


@pytest.mark.parametrize(
    ("dimensions", "weights", "message"),
    [
        ({"reliability": [0, 4]}, None, "item 4 does not exist"),
        ({"reliability": [0, 1], "empathy": [1, 2]}, None, "both 'reliability' and 'empathy'"),
        ({"reliability": []}, None, "no items"),
        (DIMENSIONS, {"reliability": 100}, "exactly the dimensions"),
        (DIMENSIONS, {"reliability": 0, "empathy": 0}, "add up to zero"),
    ],
)
def test_servqual_refuses_inconsistent_dimensions_and_weights(dimensions, weights, message):
    with pytest.raises(ValueError, match=message):
        servqual(EXPECTATIONS, PERCEPTIONS, dimensions, weights=weights)


def test_servqual_refuses_mismatched_tables_and_answers_off_the_scale():
    with pytest.raises(ValueError, match="differ in shape"):
        servqual(EXPECTATIONS, PERCEPTIONS[:2], DIMENSIONS)
    with pytest.raises(ValueError, match="8 is outside the 1-7 scale"):
        servqual(EXPECTATIONS, [[8, 6, 6, 6], *PERCEPTIONS[1:]], DIMENSIONS)


# --- Zone of tolerance ----------------------------------------------------------------------


def test_tolerance_zone_msa_and_mss_per_item_and_overall():
    perceptions = [[6, 5], [7, 4], [5, None]]
    adequate = [[5, 6], [5, 5], [6, 5]]
    desired = [[8, 8], [7, 7], [8, None]]

    result = tolerance_zone(perceptions, adequate, desired)

    # item 0: P - A = 1 2 -1, P - D = -2 0 -3; item 1 (two answers): P - A = -1 -1, P - D = -3 -3
    assert result.item_msa == pytest.approx([2 / 3, -1])
    assert result.item_mss == pytest.approx([-5 / 3, -3])
    assert (result.item_n_adequate, result.item_n_desired) == ((3, 2), (3, 2))
    assert result.msa == pytest.approx(-1 / 6)
    assert result.mss == pytest.approx(-7 / 3)
    assert result.below_adequate is True
    assert result.items_below_adequate == (1,)
    assert result.items_above_desired == ()


def test_tolerance_zone_service_above_desired_is_not_below_adequate():
    result = tolerance_zone([[9, 7]], [[5, 5]], [[8, 7]])

    assert result.below_adequate is False
    assert result.items_above_desired == (0,)  # item 1 meets the desired level exactly


def test_tolerance_zone_refuses_mismatched_tables_and_answers_off_the_1_to_9_scale():
    with pytest.raises(ValueError, match="differ in shape"):
        tolerance_zone([[5, 5]], [[4, 4]], [[6]])
    with pytest.raises(ValueError, match="desired levels: 10 is outside"):
        tolerance_zone([[5]], [[4]], [[10]])


# --- Driver analysis ------------------------------------------------------------------------


def _r_squared_with_intercept(x: np.ndarray, y: np.ndarray) -> float:
    design = np.column_stack([np.ones(len(y)), x])
    beta = np.linalg.lstsq(design, y, rcond=None)[0]
    residual = y - design @ beta
    return float(1 - residual @ residual / ((y - y.mean()) @ (y - y.mean())))


def _correlated_sample(seed: int = 20240601, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cov = [[1, 0.6, 0.4, 0.2], [0.6, 1, 0.5, 0.3], [0.4, 0.5, 1, 0.1], [0.2, 0.3, 0.1, 1]]
    x = rng.multivariate_normal(np.zeros(4), cov, size=n)
    y = x @ np.array([0.5, 0.3, 0.2, 0.1]) + rng.normal(0, 1, n)
    return x, y


def test_uncorrelated_drivers_get_their_squared_standardized_beta():
    # a 2^3 factorial design: three centred, mutually orthogonal drivers
    x1 = np.array([1, -1, 1, -1, 1, -1, 1, -1], dtype=float)
    x2 = np.array([1, 1, -1, -1, 1, 1, -1, -1], dtype=float)
    x3 = x1 * x2
    x = np.column_stack([x1, x2, x3])
    y = np.array([3.1, 1.2, 4.4, 0.5, 2.9, 2.2, 5.0, 1.7])
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    beta = np.linalg.lstsq(z, (y - y.mean()) / y.std(), rcond=None)[0]

    lmg = relative_importance(x, y, ["speed", "staff", "hall"])
    johnson = relative_weights(x, y, ["speed", "staff", "hall"])

    for j, name in enumerate(["speed", "staff", "hall"]):
        correlation = np.corrcoef(x[:, j], y)[0, 1]
        assert lmg.weight(name) == pytest.approx(beta[j] ** 2, abs=1e-12)
        assert lmg.weight(name) == pytest.approx(correlation**2, abs=1e-12)
        assert johnson.weight(name) == pytest.approx(correlation**2, abs=1e-12)


def test_two_identical_drivers_split_their_credit_equally():
    x, y = _correlated_sample()
    twins = np.column_stack([x[:, 0], x[:, 0], x[:, 2]])

    lmg = relative_importance(twins, y, ["a", "a_copy", "c"])
    johnson = relative_weights(twins, y, ["a", "a_copy", "c"])

    assert lmg.weight("a") == pytest.approx(lmg.weight("a_copy"), abs=1e-12)
    assert johnson.weight("a") == pytest.approx(johnson.weight("a_copy"), abs=1e-12)
    # a copy adds nothing to the fit, only a second name for the same information
    alone = relative_importance(twins[:, [0, 2]], y, ["a", "c"])
    assert lmg.r_squared == pytest.approx(alone.r_squared, abs=1e-12)


def test_driver_weights_add_up_to_the_full_r_squared():
    x, y = _correlated_sample()
    full = _r_squared_with_intercept(x, y)

    lmg = relative_importance(x, y, list("abcd"))
    johnson = relative_weights(x, y, list("abcd"))

    assert lmg.r_squared == pytest.approx(full, abs=1e-12)
    assert sum(d.weight for d in lmg.drivers) == pytest.approx(full, abs=1e-12)
    assert sum(d.weight for d in johnson.drivers) == pytest.approx(full, abs=1e-10)
    assert sum(d.percent or 0 for d in lmg.drivers) == pytest.approx(100, abs=1e-9)


def test_lmg_and_relative_weights_broadly_agree_on_correlated_drivers():
    x, y = _correlated_sample()

    lmg = relative_importance(x, y, list("abcd"))
    johnson = relative_weights(x, y, list("abcd"))

    assert [d.name for d in lmg.ranked()] == [d.name for d in johnson.ranked()] == list("abcd")
    for exact, approximate in zip(lmg.drivers, johnson.drivers, strict=True):
        assert exact.weight == pytest.approx(approximate.weight, abs=0.01)
        assert exact.percent == pytest.approx(approximate.percent, abs=2)


def test_driver_analysis_drops_incomplete_respondents():
    x, y = _correlated_sample(n=60)
    holes = x.astype(object)
    holes[3, 1] = None
    outcome = [*y[:5], None, *y[6:]]

    result = relative_importance(holes, outcome, list("abcd"))

    keep = [i for i in range(60) if i not in (3, 5)]
    assert (result.n, result.dropped) == (58, 2)
    assert result.r_squared == pytest.approx(_r_squared_with_intercept(x[keep], y[keep]))


def test_driver_analysis_refuses_bad_input():
    x, y = _correlated_sample(n=40)
    wide = np.tile(x, 3)[:, : MAX_DRIVERS + 1]
    with pytest.raises(ValueError, match="limited to 10"):
        relative_importance(wide, y, [f"d{i}" for i in range(MAX_DRIVERS + 1)])
    with pytest.raises(ValueError, match="3 names for 4 drivers"):
        relative_importance(x, y, ["a", "b", "c"])
    with pytest.raises(ValueError, match="unique"):
        relative_weights(x, y, ["a", "b", "c", "a"])
    with pytest.raises(ValueError, match="at least 6 complete respondents"):
        relative_importance(x[:5], y[:5], list("abcd"))
    with pytest.raises(ValueError, match="outcome does not vary"):
        relative_importance(x, np.ones(40), list("abcd"))
    with pytest.raises(ValueError, match="do not vary: b"):
        relative_weights(np.column_stack([x[:, 0], np.ones(40)]), y, ["a", "b"])


# --- Small samples --------------------------------------------------------------------------


def test_fewer_than_30_responses_is_a_small_sample():
    assert SMALL_SAMPLE == 30
    assert small_sample(29)
    assert not small_sample(30)
    assert not small_sample(12, minimum=10)
    assert nps([9] * 29).is_small_sample
    assert not csat_interval([5] * 30).is_small_sample
    with pytest.raises(ValueError):
        small_sample(-1)


def test_scores_from_database_counts_equal_scores_from_the_answers():
    answers = [10, 9, 9, 8, 7, 6, 3, 0, 10, 9]
    listed = nps(answers)
    counted = nps_from_counts(5, 2, 3)
    assert (counted.score, counted.se, counted.low, counted.high) == pytest.approx(
        (listed.score, listed.se, listed.low, listed.high), abs=1e-12
    )
    satisfaction = [5, 4, 4, 3, 1, 2, 5]
    assert csat_from_counts(4, 7) == csat_interval(satisfaction)
    effort = [7, 6, 2, 5, 5, 4]
    by_moments = ces_from_moments(6, sum(effort), sum(v * v for v in effort))
    by_list = ces(effort)
    assert (by_moments.mean, by_moments.se, by_moments.low, by_moments.high) == pytest.approx(
        (by_list.mean, by_list.se, by_list.low, by_list.high), abs=1e-12
    )
    with pytest.raises(ValueError):
        csat_from_counts(5, 4)


@pytest.mark.parametrize(("satisfied", "n"), [(0, 1), (4, 7), (30, 30), (412, 1000)])
def test_the_csat_interval_is_wilsons_as_scipy_computes_it(satisfied, n):
    ours = csat_from_counts(satisfied, n, confidence=0.9)
    theirs = stats.binomtest(satisfied, n).proportion_ci(confidence_level=0.9, method="wilson")
    assert (ours.low, ours.high) == pytest.approx((100 * theirs.low, 100 * theirs.high), abs=1e-9)
