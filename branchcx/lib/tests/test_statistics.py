"""The shared statistics follow their published definitions (worked examples by hand, exact
fractions, or scipy's distributions), and each form computed from database moments equals the
form computed from the raw answers. Pure functions: no database, no personas.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from branchcx.lib.statistics import histograms
from branchcx.lib.statistics.importance import (
    MAX_DRIVERS,
    relative_importance,
    relative_importance_from_covariance,
    relative_weights,
    relative_weights_from_covariance,
)
from branchcx.lib.statistics.intervals import (
    normal_interval,
    t_interval,
    wilson_interval,
)
from branchcx.lib.statistics.moments import covariance_from_moments
from branchcx.lib.statistics.reliability import (
    cronbach_alpha,
    cronbach_alpha_from_moments,
    flag_unreliable,
)
from branchcx.lib.statistics.samples import SMALL_SAMPLE, small_sample

# --- Histograms -----------------------------------------------------------------------------


def test_median_from_a_histogram():
    assert histograms.median({1: 1, 5: 1, 9: 1}) == 5
    assert histograms.median({2: 2, 10: 2}) == 6
    assert histograms.median({}) is None


def test_mean_from_a_histogram_weighs_each_value_by_its_count():
    assert histograms.mean({1: 3, 5: 1}) == 2
    assert histograms.mean({}) is None


# --- Intervals ------------------------------------------------------------------------------


@pytest.mark.parametrize(("successes", "n"), [(0, 1), (4, 7), (30, 30), (412, 1000)])
def test_the_wilson_interval_is_scipys(successes, n):
    theirs = stats.binomtest(successes, n).proportion_ci(confidence_level=0.9, method="wilson")
    assert wilson_interval(successes, n, 0.9) == pytest.approx((theirs.low, theirs.high))


def test_normal_and_t_intervals_use_the_two_sided_quantile():
    assert normal_interval(30, 7.81, 0.95) == pytest.approx(stats.norm.interval(0.95, 30, 7.81))
    assert t_interval(5, 0.3, 7, 0.9) == pytest.approx(stats.t.interval(0.9, 7, 5, 0.3))


@pytest.mark.parametrize("confidence", [0, 1, 95, -0.5, float("nan")])
def test_an_interval_refuses_a_confidence_outside_0_1(confidence):
    with pytest.raises(ValueError, match="confidence"):
        normal_interval(0, 1, confidence)
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(1, 2, confidence)


def test_a_wilson_interval_needs_a_count_within_its_trials():
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(5, 4, 0.95)
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(0, 0, 0.95)


# --- Small samples --------------------------------------------------------------------------


def test_fewer_than_30_responses_is_a_small_sample():
    assert SMALL_SAMPLE == 30
    assert small_sample(29)
    assert not small_sample(30)
    assert not small_sample(12, minimum=10)
    with pytest.raises(ValueError):
        small_sample(-1)


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


# --- From database moments ---------------------------------------------------------------


def alpha_moments(rows):
    data = np.asarray(rows, dtype=float)
    totals = data.sum(axis=1)
    return (
        data.shape[0],
        data.sum(axis=0).tolist(),
        (data**2).sum(axis=0).tolist(),
        float(totals.sum()),
        float((totals**2).sum()),
    )


def test_alpha_from_moments_is_the_worked_example_28_over_31():
    result = cronbach_alpha_from_moments(*alpha_moments(FIVE_BY_THREE))
    assert result.alpha == pytest.approx(28 / 31, abs=1e-12)
    assert (result.low, result.high) == pytest.approx((0.511, 0.989), abs=5e-4)
    assert (result.n, result.k) == (5, 3)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_alpha_from_moments_equals_alpha_from_the_answers(seed):
    rng = np.random.default_rng(seed)
    trait = rng.normal(5, 1, size=(200, 1))
    rows = np.clip(np.rint(trait + rng.normal(0, 0.9, size=(200, 5))), 1, 7)
    raw = cronbach_alpha(rows)
    moments = cronbach_alpha_from_moments(*alpha_moments(rows))
    assert abs(moments.alpha - raw.alpha) < 1e-9
    assert abs(moments.low - raw.low) < 1e-9 and abs(moments.high - raw.high) < 1e-9
    assert (moments.n, moments.k) == (raw.n, raw.k)


def test_alpha_from_moments_refuses_what_alpha_refuses():
    with pytest.raises(ValueError, match="at least 2 items"):
        cronbach_alpha_from_moments(5, [15], [49], 15, 49)
    with pytest.raises(ValueError, match="at least 2 respondents"):
        cronbach_alpha_from_moments(1, [3, 4], [9, 16], 7, 49)
    with pytest.raises(ValueError, match="same total"):
        # three respondents answering 4 and 4: no spread at all
        cronbach_alpha_from_moments(3, [12, 12], [48, 48], 24, 192)


NAMES = ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]


def correlated_answers(seed, n=300):
    rng = np.random.default_rng(seed)
    common = rng.normal(0, 1, size=(n, 1))
    drivers = np.clip(np.rint(5 + common + rng.normal(0, 0.8, size=(n, 5))), 1, 7)
    outcome = np.clip(
        np.rint(drivers @ np.array([0.1, 0.3, 0.4, 0.1, 0.1]) + rng.normal(0, 0.7, n)), 1, 7
    )
    return drivers, outcome


def cross_products(drivers, outcome):
    data = np.column_stack([drivers, outcome])
    return data.shape[0], data.sum(axis=0), data.T @ data


@pytest.mark.parametrize("seed", [4, 5])
def test_driver_weights_from_database_cross_products_equal_the_raw_ones(seed):
    drivers, outcome = correlated_answers(seed)
    n, sums, products = cross_products(drivers, outcome)
    covariance = covariance_from_moments(n, sums, products)
    assert np.allclose(covariance, np.cov(np.column_stack([drivers, outcome]), rowvar=False))
    for raw, moments in (
        (relative_importance, relative_importance_from_covariance),
        (relative_weights, relative_weights_from_covariance),
    ):
        expected = raw(drivers, outcome, NAMES)
        got = moments(covariance, n, NAMES)
        assert got.r_squared == pytest.approx(expected.r_squared, abs=1e-9)
        for name in NAMES:
            assert got.weight(name) == pytest.approx(expected.weight(name), abs=1e-9)
        assert [d.name for d in got.ranked()] == [d.name for d in expected.ranked()]


def test_a_correlation_matrix_gives_the_same_weights_as_the_covariance():
    drivers, outcome = correlated_answers(6)
    covariance = covariance_from_moments(*cross_products(drivers, outcome))
    spread = np.sqrt(np.diag(covariance))
    correlation = covariance / np.outer(spread, spread)
    a = relative_importance_from_covariance(covariance, 300, NAMES)
    b = relative_importance_from_covariance(correlation, 300, NAMES)
    assert [d.weight for d in a.drivers] == pytest.approx([d.weight for d in b.drivers])


def test_identical_drivers_split_their_credit_from_the_covariance_too():
    rng = np.random.default_rng(8)
    x = rng.normal(0, 1, 100)
    drivers = np.column_stack([x, x, rng.normal(0, 1, 100)])
    outcome = x + rng.normal(0, 0.5, 100)
    covariance = covariance_from_moments(*cross_products(drivers, outcome))
    result = relative_importance_from_covariance(covariance, 100, ["a", "b", "c"])
    assert result.weight("a") == pytest.approx(result.weight("b"), abs=1e-9)
    expected = relative_importance(drivers, outcome, ["a", "b", "c"])
    assert result.weight("a") == pytest.approx(expected.weight("a"), abs=1e-9)


def test_driver_weights_from_moments_refuse_too_few_answers_and_a_constant_outcome():
    drivers, outcome = correlated_answers(9, n=20)
    covariance = covariance_from_moments(*cross_products(drivers, outcome))
    with pytest.raises(ValueError, match="at least 7 complete"):
        relative_importance_from_covariance(covariance, 6, NAMES)
    flat = covariance.copy()
    flat[5, :] = flat[:, 5] = 0.0
    with pytest.raises(ValueError, match="does not vary"):
        relative_weights_from_covariance(flat, 20, NAMES)
