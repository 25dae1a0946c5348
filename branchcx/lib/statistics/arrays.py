"""Tables and columns of numbers as the statistics take them: a respondents x variables float
array with NaN for a missing value, checked once with a message that names what was passed.

Inputs may be lists (with ``None`` for a missing value) or numpy arrays; text, booleans, ragged
rows and infinities are refused with ``ValueError`` rather than coerced.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
# Rows are respondents (observations), columns are items (variables); None or NaN is missing.
Matrix = Sequence[Sequence[float | None]] | npt.NDArray[Any]
Vector = Sequence[float | None] | npt.NDArray[Any]


def as_matrix(rows: Matrix, what: str) -> FloatArray:
    """A respondents x items float array with NaN for unanswered items.

    Rejects ragged rows, text, booleans and infinities with a message naming ``what``."""
    if isinstance(rows, np.ndarray) and rows.dtype.kind in "iuf":
        array = rows.astype(np.float64)
    else:
        # lists, and object arrays holding None, are checked cell by cell
        source = rows.tolist() if isinstance(rows, np.ndarray) else rows
        try:
            table = [list(row) for row in source]
        except TypeError:
            raise ValueError(f"{what} must be a table (respondents x items)") from None
        widths = {len(row) for row in table}
        if len(widths) > 1:
            raise ValueError(f"{what}: every respondent needs the same number of items")
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                if value is not None and (isinstance(value, bool) or not isinstance(value, Real)):
                    raise ValueError(f"{what}: row {r}, item {c} is {value!r}, not a number")
        width = widths.pop() if widths else 0
        array = np.array(
            [[np.nan if v is None else float(v) for v in row] for row in table],
            dtype=np.float64,
        ).reshape(len(table), width)
    if array.ndim != 2:
        raise ValueError(f"{what} must be a table (respondents x items), got {array.ndim} axes")
    if np.isinf(array).any():
        raise ValueError(f"{what} contain an infinite value")
    return array


def as_vector(values: Vector, what: str) -> FloatArray:
    """One column of :func:`as_matrix` (NaN for a missing value)."""
    column = as_matrix([[v] for v in values], what)
    return column[:, 0]
