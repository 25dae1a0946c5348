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
    ces,
    ces_from_moments,
    csat,
    csat_from_counts,
    csat_interval,
    importance_weights,
    nps,
    nps_from_counts,
    servqual,
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


# --- Small samples --------------------------------------------------------------------------


def test_scores_under_30_responses_are_marked_small_samples():
    assert nps([9] * 29).is_small_sample
    assert not csat_interval([5] * 30).is_small_sample


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


def test_adequacy_and_superiority_are_defined_once():
    from branchcx.surveys.scoring import adequacy, below_adequate, superiority

    assert adequacy(5.0, 6.0) == -1.0
    assert superiority(6.5, 6.0) == 0.5
    assert adequacy(None, 6.0) is None and superiority(5.0, None) is None
    assert below_adequate(5, 6) and not below_adequate(6, 6) and not below_adequate(None, 6)
    # the zone of tolerance uses the same measures, item by item
    zone = tolerance_zone([[5, 8]], [[6, 4]], [[7, 7]])
    assert zone.item_msa == (adequacy(5, 6), adequacy(8, 4))
    assert zone.item_mss == (superiority(5, 7), superiority(8, 7))
