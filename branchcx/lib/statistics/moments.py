"""Statistics from moments: counts, sums, sums of squares and sums of cross-products, which a
database returns per group (``GROUP BY``) or a rollup stores, instead of every observation.

A sample variance is (sum of squares - sum**2 / n) / (n - 1) and a sample covariance
(sum of x*y - sum of x * sum of y / n) / (n - 1) (ddof=1, as ``numpy.cov``); sums of finer
groups add up exactly to those of coarser ones, so one query serves every grouping.
"""

from __future__ import annotations

import numpy as np

from branchcx.lib.statistics.arrays import FloatArray, Matrix, Vector, as_matrix, as_vector


def sample_variance_from_moments(n: int, total: float, squares: float) -> float:
    """The sample variance (ddof=1) of ``n`` values from their sum and their sum of squares."""
    return (float(squares) - float(total) ** 2 / n) / (n - 1)


def covariance_from_moments(n: int, sums: Vector, products: Matrix) -> FloatArray:
    """The sample covariance matrix (ddof=1) of variables from ``n`` complete rows, given the
    sum of each variable and the matrix of sums of cross-products (sum of x_i * x_j)."""
    s = as_vector(sums, "sums")
    xx = as_matrix(products, "cross-products")
    if np.isnan(s).any() or np.isnan(xx).any():
        raise ValueError("sums and cross-products must all be numbers")
    if xx.shape != (s.size, s.size):
        raise ValueError(f"{s.size} sums need a {s.size}x{s.size} matrix, got {xx.shape}")
    if n < 2:
        raise ValueError(f"a covariance needs at least 2 rows, got {n}")
    return (xx - np.outer(s, s) / n) / (n - 1)
