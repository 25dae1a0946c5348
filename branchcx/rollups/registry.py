"""Which rollups exist: each app registers its own from ``AppConfig.ready``::

    from branchcx.rollups.registry import Rollup, rollups

    rollups.register(Rollup(
        name="complaints.monthly",
        tables=(ComplaintMonth, ComplaintDays),
        compute=compute_cells,      # rows for one month, all units or some
        changed=changed_cells,      # (unit_id, month) of source rows changed since a time
        first_month=first_month,    # the earliest month with source rows (for a rebuild)
    ))

``compute(month, unit_ids, now)`` answers ``(table, values)`` pairs — one grouped query per
table over the source rows of that month (and those units, or every unit when ``unit_ids``
is None), figures that depend on the time computed as of ``now``; ``values`` are the table's
columns without generation, month and computed_at. The engine deletes the cells' old rows
and inserts these in one transaction. ``changed(since, now)`` answers the (unit id, month)
of every cell whose figures may have changed between the two times.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from branchcx.lib.registry import Registry
from branchcx.rollups.models import RollupRow

Rows = Iterable[tuple[type[RollupRow], dict[str, Any]]]


@dataclass(frozen=True)
class Rollup:
    name: str
    tables: Sequence[type[RollupRow]]
    compute: Callable[[date, Collection[int] | None, datetime], Rows]
    changed: Callable[[datetime, datetime], Iterable[tuple[int, date]]]
    first_month: Callable[[], date | None]
    order: int = 100

    @property
    def key(self) -> str:
        return self.name


rollups: Registry[Rollup] = Registry()


def get(name: str) -> Rollup:
    found = {r.name: r for r in rollups.registered()}
    if name not in found:
        raise KeyError(name)
    return found[name]
