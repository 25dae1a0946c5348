"""Keeping rollups current: incremental updates every few minutes, and full rebuilds.

**Update** (:func:`update`, the worker's periodic task): the cells whose source rows changed
since the watermark (less a safety overlap, for transactions that committed late), plus the
cells marked by actions, are recomputed — for each month, the old rows of those cells
deleted and the new ones inserted in one short transaction, with the cell's marks. Only then
does the watermark move. A failure leaves watermark and marks where they were: the next run
retries the same cells, and pages say the figures are from the last good update.

**Rebuild** (:func:`rebuild`, ``branchcx rollups rebuild [--since DATE]``): the next
generation is written month by month, each month computed outside any transaction and then
written in its own short one (users' writes are never held up behind a long one, which on
SQLite would block them), months before
``--since`` copied from the current generation; then the state switches to it in one small
update. Readers read the current generation only, so they see the old numbers or the new,
never a mix; the old generation's rows go at the next update, minutes later, once no reader
can still be on it. Changes made while the rebuild ran are re-read by the next update (the
watermark becomes the rebuild's start).

A lease on the state row lets one worker at a time update or rebuild a rollup.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from branchcx.lib.periods import month_start as month_of
from branchcx.lib.periods import next_month
from branchcx.rollups.models import RollupMark, RollupRow, RollupState
from branchcx.rollups.registry import Rollup, rollups

log = logging.getLogger(__name__)

# Source rows saved up to this long before the watermark are read again: a transaction that
# saved a row earlier but committed later is still seen.
OVERLAP = timedelta(minutes=10)
LEASE = timedelta(minutes=30)
INSERT_BATCH = 2_000


class Busy(Exception):
    """Another worker holds the rollup's lease."""


@dataclass(frozen=True)
class Outcome:
    name: str
    cells: int
    rows: int
    generation: int


def state_of(name: str) -> RollupState:
    try:
        state, _created = RollupState.objects.get_or_create(name=name)
    except IntegrityError:  # two workers created it at once
        state = RollupState.objects.get(name=name)
    return state


# --- the lease -------------------------------------------------------------------------------


def _acquire(name: str) -> str:
    state_of(name)
    owner, now = secrets.token_hex(8), timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    taken = RollupState.objects.filter(free, name=name).update(
        lease_owner=owner, lease_until=now + LEASE
    )
    if not taken:
        raise Busy(name)
    return owner


def _release(name: str, owner: str, **changes: object) -> None:
    RollupState.objects.filter(name=name, lease_owner=owner).update(
        lease_owner="", lease_until=None, **changes
    )


def _renew(name: str, owner: str) -> None:
    RollupState.objects.filter(name=name, lease_owner=owner).update(
        lease_until=timezone.now() + LEASE
    )


# --- writing cells ---------------------------------------------------------------------------


def _write_month(
    rollup: Rollup,
    generation: int,
    month: date,
    unit_ids: Collection[int] | None,
    computed_at: datetime,
    mark_ids: Collection[int] = (),
) -> int:
    """Replace the rows of ``month`` (of ``unit_ids``, or all units) in ``generation``, and
    drop the marks these rows answer (read before the cells were computed: a mark that
    arrives meanwhile stays for the next update).

    The cells are computed first, outside any transaction of the engine's: a transaction
    that writes holds every other writer back on SQLite (``IMMEDIATE``), so it only deletes
    and inserts, in milliseconds, however long the grouped queries took. A source row that
    changes in between has ``updated_at`` after the run's start, so the next update reads
    it again."""
    computed: dict[type[RollupRow], list[RollupRow]] = defaultdict(list)
    for table, values in rollup.compute(month, unit_ids, computed_at):
        computed[table].append(
            table(generation=generation, month=month, computed_at=computed_at, **values)
        )
    written = 0
    with transaction.atomic():
        for table in rollup.tables:
            old = table.objects.filter(generation=generation, month=month)
            if unit_ids is not None:
                old = old.filter(unit_id__in=unit_ids)
            old.delete()
        for table, batch in computed.items():
            written += len(table.objects.bulk_create(batch, batch_size=INSERT_BATCH))
        if mark_ids:
            RollupMark.objects.filter(pk__in=list(mark_ids)).delete()
    return written


def _cells(
    rollup: Rollup, since: datetime, now: datetime
) -> tuple[dict[date, set[int]], dict[date, list[int]]]:
    """The cells to recompute by month, and the marks among them by month."""
    by_month: dict[date, set[int]] = defaultdict(set)
    marks: dict[date, list[int]] = defaultdict(list)
    found = RollupMark.objects.filter(name=rollup.name).values_list("pk", "unit_id", "month")
    for pk, unit_id, month in found:
        by_month[month].add(unit_id)
        marks[month].append(pk)
    for unit_id, month in rollup.changed(since, now):
        by_month[month_of(month)].add(unit_id)
    return by_month, marks


# --- update and rebuild ----------------------------------------------------------------------


def update(rollup: Rollup) -> Outcome:
    """Recompute the cells changed since the last update (a first update rebuilds)."""
    state = state_of(rollup.name)
    if state.watermark is None:
        return rebuild(rollup)
    owner = _acquire(rollup.name)
    started = timezone.now()
    try:
        state.refresh_from_db()
        generation = state.generation
        cells, marks = _cells(rollup, state.watermark - OVERLAP, started)
        rows = 0
        for month in sorted(cells):
            rows += _write_month(rollup, generation, month, cells[month], started, marks[month])
        # the generation a rebuild replaced: no reader is on it any more
        for table in rollup.tables:
            table.objects.filter(generation__lt=generation).delete()
    except Exception as exc:
        log.exception("rollup %s: update failed", rollup.name)
        _release(
            rollup.name,
            owner,
            failing_since=state.failing_since or started,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    _release(
        rollup.name, owner, watermark=started, updated_at=started, failing_since=None, last_error=""
    )
    return Outcome(rollup.name, sum(len(u) for u in cells.values()), rows, generation)


def rebuild(rollup: Rollup, since: date | None = None) -> Outcome:
    """Write the next generation from the source rows (from the month of ``since`` on,
    earlier months copied) and switch readers to it."""
    owner = _acquire(rollup.name)
    started = timezone.now()
    try:
        state = state_of(rollup.name)
        old, new = state.generation, state.generation + 1
        for table in rollup.tables:  # leftovers of a rebuild that failed half-way
            table.objects.filter(generation=new).delete()
        first = rollup.first_month()
        last = month_of(started)
        rows = 0
        # a rollup never built is built whole, whatever ``since`` says
        from_month = month_of(since) if since is not None and state.built_at else first
        if from_month is not None and from_month != first:
            for table in rollup.tables:
                rows += _copy_generation(table, old, new, before=from_month)
        month = from_month
        while month is not None and month <= last:
            rows += _write_month(rollup, new, month, None, started)
            _renew(rollup.name, owner)
            month = next_month(month)
    except Exception as exc:
        log.exception("rollup %s: rebuild failed", rollup.name)
        _release(
            rollup.name,
            owner,
            failing_since=state_of(rollup.name).failing_since or started,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    _release(
        rollup.name,
        owner,
        generation=new,
        built_at=started,
        watermark=started,
        updated_at=started,
        failing_since=None,
        last_error="",
    )
    return Outcome(rollup.name, 0, rows, new)


def _copy_generation(table: type[RollupRow], old: int, new: int, *, before: date) -> int:
    """Copy the rows of months before ``before`` from one generation to the next, in the
    database (INSERT … SELECT), a month at a time."""
    meta = table._meta
    columns = [f.column for f in meta.concrete_fields if not f.primary_key]
    quoted = connection.ops.quote_name
    target = ", ".join(quoted(c) for c in columns)
    source = ", ".join("%s" if c == "generation" else quoted(c) for c in columns)
    months = (
        table.objects.filter(generation=old, month__lt=before)
        .values_list("month", flat=True)
        .distinct()
        .order_by("month")
    )
    copied = 0
    for month in list(months):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quoted(meta.db_table)} ({target}) "  # noqa: S608 (names from the model)
                f"SELECT {source} FROM {quoted(meta.db_table)} "
                f"WHERE {quoted('generation')} = %s AND {quoted('month')} = %s",
                [new, old, month],
            )
            copied += cursor.rowcount
    return copied


def mark(name: str, cells: Iterable[tuple[int, date | datetime]]) -> None:
    """Ask for cells to be recomputed at the next update (inside the caller's transaction)."""
    for unit_id, month in {(u, month_of(d)) for u, d in cells}:
        # always a new row: an update that already read an older mark deletes only that one
        RollupMark.objects.create(name=name, unit_id=unit_id, month=month)


def update_all() -> list[Outcome]:
    """Every registered rollup, one after the other; a busy or failing one does not stop the
    others (it is retried next time)."""
    done = []
    for rollup in rollups.registered():
        try:
            done.append(update(rollup))
        except Busy:
            log.info("rollup %s: busy, skipped", rollup.name)
        except Exception:  # recorded on the state row (and logged by update); retried next run
            log.warning("rollup %s: left for the next run", rollup.name)
    return done


def earliest(queryset: object, field: str) -> date | None:
    """The first month of ``field`` in ``queryset`` (for ``Rollup.first_month``)."""
    found = queryset.aggregate(first=Min(field))["first"]  # type: ignore[attr-defined]
    return month_of(found) if found else None
