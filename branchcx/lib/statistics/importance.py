"""Relative importance of correlated predictors ("drivers"): each one's share of the R-squared
of the least-squares regression of an outcome on all of them.

- :func:`relative_importance`: the exact LMG decomposition (Lindeman, Merenda & Gold 1980,
  Introduction to Bivariate and Multivariate Analysis), which is the Shapley value of R-squared
  (Lipovetsky & Conklin 2001, Applied Stochastic Models in Business and Industry 17(4)); the
  figures of ``relaimpo``'s "lmg" (Groemping 2006, Journal of Statistical Software 17(1)).
- :func:`relative_weights`: Johnson's relative weights (Johnson 2000, Multivariate Behavioral
  Research 35(1)), a fast approximation of LMG through orthogonal counterparts.
- ``*_from_covariance``: the same weights from the covariance (or correlation) matrix of
  ``n`` complete rows, for callers that only get sums of cross-products from the database
  (:func:`branchcx.lib.statistics.moments.covariance_from_moments`); they equal the raw-data
  figures to rounding (the tests check it to 1e-9).

Inputs are respondents x drivers tables (see :mod:`branchcx.lib.statistics.arrays`); rows with
a missing value are dropped listwise. Results are a frozen :class:`DriverResult`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from branchcx.lib.statistics.arrays import FloatArray, Matrix, Vector, as_matrix, as_vector

MAX_DRIVERS = 10
"""Driver analysis fits 2**p regressions; beyond 10 drivers (1,024 fits) it is refused."""

MIN_DRIVER_ANSWERS_PER_DRIVER = 10
"""Driver weights are shown only with at least this many complete answers per driver (50 for
the five SERVQUAL dimensions): the usual rule of thumb of ten observations per predictor
(Harrell 2015, Regression Modeling Strategies, 2nd ed., section 4.4). Below it the weights of
correlated drivers swing from one month to the next and would be read as findings."""


@dataclass(frozen=True)
class DriverWeight:
    name: str
    weight: float  # this driver's share of R-squared
    percent: float | None  # weight as a percentage of R-squared; None when R-squared is 0


@dataclass(frozen=True)
class DriverResult:
    """Each driver's share of the R-squared of the regression of the outcome on all drivers.

    ``drivers`` keeps the input order; the weights add up to ``r_squared``.
    """

    drivers: tuple[DriverWeight, ...]
    r_squared: float
    n: int  # respondents used (complete rows)
    dropped: int  # respondents left out for a missing value
    method: str  # "lmg" or "relative_weights"

    def ranked(self) -> tuple[DriverWeight, ...]:
        """Drivers from the most to the least important."""
        return tuple(sorted(self.drivers, key=lambda d: d.weight, reverse=True))

    def weight(self, name: str) -> float:
        for driver in self.drivers:
            if driver.name == name:
                return driver.weight
        raise KeyError(name)


def _check_drivers(p: int, labels: tuple[str, ...]) -> None:
    if p <= 0:
        raise ValueError("at least one driver is needed")
    if p > MAX_DRIVERS:
        raise ValueError(f"{p} drivers: the exact decomposition is limited to {MAX_DRIVERS}")
    if len(labels) != p:
        raise ValueError(f"{len(labels)} names for {p} drivers")
    if len(set(labels)) != p:
        raise ValueError("driver names must be unique")


def _regression_data(
    drivers: Matrix, outcome: Vector, names: Sequence[str]
) -> tuple[FloatArray, FloatArray, tuple[str, ...], int]:
    """Complete rows of drivers and outcome, validated for a driver analysis."""
    x = as_matrix(drivers, "drivers")
    y = as_vector(outcome, "outcome")
    labels = tuple(names)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"{x.shape[0]} rows of drivers but {y.shape[0]} outcomes")
    p = x.shape[1]
    _check_drivers(p, labels)
    complete = ~(np.isnan(x).any(axis=1) | np.isnan(y))
    x, y = x[complete], y[complete]
    n = x.shape[0]
    # n >= p + 2 leaves a residual degree of freedom after the intercept; with n = p + 1 the
    # full model fits perfectly (R-squared 1) whatever the answers are
    if n < p + 2:
        raise ValueError(f"{p} drivers need at least {p + 2} complete respondents, got {n}")
    if float(np.ptp(y)) == 0:
        raise ValueError("the outcome does not vary, so there is nothing to explain")
    return x, y, labels, int((~complete).sum())


def _driver_result(
    labels: tuple[str, ...],
    weights: FloatArray,
    r_squared: float,
    n: int,
    dropped: int,
    method: str,
) -> DriverResult:
    # an R-squared at rounding level explains nothing, so percentages of it would be noise
    explained = r_squared > 1e-12
    shares = tuple(
        DriverWeight(name, float(w), float(100 * w / r_squared) if explained else None)
        for name, w in zip(labels, weights, strict=True)
    )
    return DriverResult(shares, r_squared, n, dropped, method)


def relative_importance(drivers: Matrix, outcome: Vector, names: Sequence[str]) -> DriverResult:
    """Shapley (LMG) decomposition of R-squared among correlated drivers.

    ``drivers`` is respondents x drivers (e.g. satisfaction with speed, staff, waiting area),
    ``outcome`` the overall score (e.g. NPS answer), ``names`` one label per driver.

    Definition (Lindeman, Merenda & Gold 1980, Introduction to Bivariate and Multivariate
    Analysis; as the Shapley value of Lipovetsky & Conklin 2001, Applied Stochastic Models in
    Business and Industry 17(4); computed as ``relaimpo``'s "lmg", Groemping 2006, Journal of
    Statistical Software 17(1)): with R2(S) the R-squared of the OLS regression (with
    intercept) of the outcome on the drivers in S,
    weight_j = sum over S not containing j of |S|! (p - |S| - 1)! / p! * (R2(S + j) - R2(S)),
    i.e. j's gain in R-squared averaged over every order of entering the drivers. The weights
    are non-negative, add up exactly to the full model's R-squared, and split credit fairly
    between correlated drivers (two identical drivers get equal shares), where standardized
    betas would not.

    Exact over all 2**p subsets, so at most :data:`MAX_DRIVERS` drivers. Respondents with a
    missing driver or outcome are dropped listwise; at least p + 2 must remain. Perfectly
    collinear drivers are fine (least squares with a rank-aware solver).
    """
    x, y, labels, dropped = _regression_data(drivers, outcome, names)
    n, p = x.shape
    xc = x - x.mean(axis=0)
    yc = y - y.mean()
    total = float(yc @ yc)

    r2 = np.zeros(1 << p)
    for mask in range(1, 1 << p):
        columns = [j for j in range(p) if mask >> j & 1]
        beta = np.linalg.lstsq(xc[:, columns], yc, rcond=None)[0]
        residual = yc - xc[:, columns] @ beta
        r2[mask] = 1 - float(residual @ residual) / total

    return _driver_result(labels, _shapley(r2, p), float(r2[-1]), n, dropped, "lmg")


def _shapley(r2: FloatArray, p: int) -> FloatArray:
    """Each driver's Shapley share of R-squared, from the R-squared of every subset of the
    ``p`` drivers (indexed by bit mask)."""
    # Shapley weight of a coalition of size s: s! (p - s - 1)! / p!
    share = [math.factorial(s) * math.factorial(p - s - 1) / math.factorial(p) for s in range(p)]
    weights = np.zeros(p)
    for j in range(p):
        bit = 1 << j
        for mask in range(1 << p):
            if not mask & bit:
                weights[j] += share[mask.bit_count()] * (r2[mask | bit] - r2[mask])
    return weights


def relative_weights(drivers: Matrix, outcome: Vector, names: Sequence[str]) -> DriverResult:
    """Johnson's relative weights: a fast approximation of the LMG decomposition.

    Definition (Johnson 2000, "A heuristic method for estimating the relative weight of
    predictor variables in multiple regression", Multivariate Behavioral Research 35(1)): with
    Rxx = Q diag(lambda) Q' the eigendecomposition of the drivers' correlation matrix and rxy
    their correlations with the outcome, Lambda = Q diag(sqrt(lambda)) Q' holds the
    correlations of the drivers with their closest orthogonal counterparts Z,
    beta = Lambda^-1 rxy the regression of the outcome on Z, and
    weight_j = sum_k Lambda_jk**2 * beta_k**2. The weights add up to the R-squared of the full
    regression.

    Inputs, listwise deletion and limits as :func:`relative_importance`. Eigenvalues below
    1e-10 of the largest are treated as zero (perfectly collinear drivers), which keeps the
    weights finite and splits identical drivers equally. A driver that does not vary raises
    ``ValueError`` (its correlations are undefined).
    """
    x, y, labels, dropped = _regression_data(drivers, outcome, names)
    n, p = x.shape
    constant = [labels[j] for j in range(p) if float(np.ptp(x[:, j])) == 0]
    if constant:
        raise ValueError(f"drivers that do not vary: {', '.join(constant)}")
    correlations = np.asarray(np.corrcoef(np.column_stack([x, y]), rowvar=False))
    weights = _johnson(correlations[:p, :p], correlations[:p, p])
    return _driver_result(labels, weights, float(weights.sum()), n, dropped, "relative_weights")


def _johnson(rxx: FloatArray, rxy: FloatArray) -> FloatArray:
    """Johnson's relative weights from the drivers' correlations ``rxx`` and their
    correlations with the outcome ``rxy``: regress the outcome on the orthogonal counterparts
    Z = X (X'X)^-1/2 and carry their squared weights back through Lambda = (X'X)^1/2."""
    eigenvalues, vectors = np.linalg.eigh(rxx)
    keep = eigenvalues > 1e-10 * eigenvalues.max()
    roots = np.sqrt(np.where(keep, eigenvalues, 0.0))
    inverse_roots = np.where(keep, 1 / np.where(keep, roots, 1.0), 0.0)
    lam = vectors @ np.diag(roots) @ vectors.T
    beta = vectors @ np.diag(inverse_roots) @ vectors.T @ rxy
    weights: FloatArray = (lam**2) @ (beta**2)
    return weights


# --- From a covariance matrix -----------------------------------------------------------


def _covariance_data(
    covariance: Matrix, n: int, names: Sequence[str]
) -> tuple[FloatArray, tuple[str, ...]]:
    """A validated (drivers + outcome) covariance matrix, the outcome last."""
    c = as_matrix(covariance, "covariance")
    labels = tuple(names)
    p = c.shape[0] - 1
    if c.shape != (p + 1, p + 1) or np.isnan(c).any():
        raise ValueError("the covariance must be a square matrix of numbers")
    _check_drivers(p, labels)
    if n < p + 2:
        raise ValueError(f"{p} drivers need at least {p + 2} complete respondents, got {n}")
    scale = max(float(np.abs(np.diag(c)).max()), 1e-300)
    if c[p, p] <= 1e-12 * scale:
        raise ValueError("the outcome does not vary, so there is nothing to explain")
    return (c + c.T) / 2, labels


def _r_squared(c: FloatArray, columns: list[int]) -> float:
    """R-squared of the regression of the outcome (last variable) on ``columns``, from the
    covariance matrix: c_yS' pinv(C_SS) c_Sy / c_yy (least squares, rank-aware)."""
    y = c.shape[0] - 1
    cxx = c[np.ix_(columns, columns)]
    cxy = c[columns, y]
    return float(cxy @ np.linalg.pinv(cxx, rcond=1e-12, hermitian=True) @ cxy / c[y, y])


def relative_importance_from_covariance(
    covariance: Matrix, n: int, names: Sequence[str], dropped: int = 0
) -> DriverResult:
    """:func:`relative_importance` (the LMG / Shapley decomposition of R-squared) from the
    covariance matrix of the drivers and the outcome (outcome last) of ``n`` complete rows.

    R-squared of every subset S of drivers is c_yS' C_SS^+ c_Sy / c_yy with C^+ the
    pseudo-inverse (the same fitted values as least squares, collinear drivers included), so
    the weights equal those computed from the raw answers. A correlation matrix gives the same
    weights (R-squared does not depend on the units).
    """
    c, labels = _covariance_data(covariance, n, names)
    p = len(labels)
    r2 = np.zeros(1 << p)
    for mask in range(1, 1 << p):
        r2[mask] = _r_squared(c, [j for j in range(p) if mask >> j & 1])
    return _driver_result(labels, _shapley(r2, p), float(r2[-1]), n, dropped, "lmg")


def relative_weights_from_covariance(
    covariance: Matrix, n: int, names: Sequence[str], dropped: int = 0
) -> DriverResult:
    """:func:`relative_weights` (Johnson 2000) from the covariance (or correlation) matrix of
    the drivers and the outcome, outcome last, of ``n`` complete rows."""
    c, labels = _covariance_data(covariance, n, names)
    p = len(labels)
    spread = np.sqrt(np.clip(np.diag(c), 0.0, None))
    constant = [labels[j] for j in range(p) if spread[j] <= 1e-12 * max(spread.max(), 1e-300)]
    if constant:
        raise ValueError(f"drivers that do not vary: {', '.join(constant)}")
    correlations = c / np.outer(spread, spread)
    weights = _johnson(correlations[:p, :p], correlations[:p, p])
    return _driver_result(labels, weights, float(weights.sum()), n, dropped, "relative_weights")
