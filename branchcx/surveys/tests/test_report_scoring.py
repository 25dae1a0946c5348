"""The dashboard's statistics from database moments equal the raw-answer functions."""

from __future__ import annotations

import numpy as np
import pytest

from branchcx.surveys.scoring import (
    covariance_from_moments,
    cronbach_alpha,
    cronbach_alpha_from_moments,
    relative_importance,
    relative_importance_from_covariance,
    relative_weights,
    relative_weights_from_covariance,
)

COURTESY = [[3, 4, 3], [4, 5, 4], [2, 3, 3], [5, 5, 4], [3, 2, 2]]  # docs/scores.md example


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
    result = cronbach_alpha_from_moments(*alpha_moments(COURTESY))
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
