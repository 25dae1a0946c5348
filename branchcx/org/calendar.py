"""The bank's calendar: the days the bank corrects in the published schedule of public
holidays and make-up working days (``CalendarDay``), read by every deadline in working time,
and kept by head office.

:mod:`branchcx.lib.workdays` counts working days and hours over a calendar it is given;
:func:`bank_overrides` is that calendar (one query). Only a keeper who sees the whole network
changes it, and only for days to come: deadlines were counted on the days that passed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import chinese_calendar
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.audit.actions import Action, record
from branchcx.lib.workdays import is_known
from branchcx.org.checks import calendar_warnings
from branchcx.org.models import CalendarDay
from branchcx.org.scoping import scope_path


def bank_overrides() -> dict[date, bool]:
    """The bank's calendar corrections, one query: what :mod:`branchcx.lib.workdays` is
    given to count working time."""
    return dict(CalendarDay.objects.values_list("day", "is_working_day"))


def can_keep_calendar(user: Any, permission: str) -> bool:
    """Whether ``user`` may change the bank's calendar with ``permission``: it applies to the
    whole network, so only someone who sees the whole network may."""
    return user.has_perm(permission) and scope_path(user) == ""


def require_calendar_keeper(user: Any, permission: str) -> None:
    if not can_keep_calendar(user, permission):
        raise PermissionDenied


def published(day: date) -> bool | None:
    """What the bundled public schedule says of ``day``: working or not, None if unknown."""
    if not is_known(day):
        return None
    return bool(chinese_calendar.is_workday(day))


def unknown_next_year(today: date | None = None) -> int | None:
    """Next year, when its holidays are due (from October) and neither the bundled schedule
    nor the bank's calendar has them: the same rule as the start-up warning W021."""
    today = today or timezone.localdate()
    return today.year + 1 if calendar_warnings(today, bank_overrides()) else None


def year_is_known(year: int) -> bool:
    return is_known(date(year, 1, 1))


def get_calendar_day(day: date) -> CalendarDay:
    try:
        return CalendarDay.objects.get(day=day)
    except CalendarDay.DoesNotExist:
        raise Http404 from None


def _require_not_past(day: date) -> None:
    if day < timezone.localdate():
        raise ValidationError(
            {"day": _("This day has passed: deadlines have already been counted on it.")}
        )


def _day_detail(entry: CalendarDay) -> dict[str, Any]:
    return {"day": entry.day.isoformat(), "is_working_day": entry.is_working_day,
            "note": entry.note}  # fmt: skip


@transaction.atomic
def do_add_calendar_day(actor: Any, *, day: date, is_working_day: bool, note: str) -> CalendarDay:
    """A holiday or make-up working day; it counts in every deadline computed from now on
    (``bank_overrides`` reads the table each time, there is no cache to clear)."""
    require_calendar_keeper(actor, "org.add_calendarday")
    _require_not_past(day)
    if not note.strip():
        raise ValidationError({"note": _("Name the day, for example 春节 or 国庆节调休.")})
    if CalendarDay.objects.filter(day=day).exists():
        raise ValidationError({"day": _("This day is already in the calendar: edit it instead.")})
    entry = CalendarDay(day=day, is_working_day=is_working_day, note=note.strip())
    entry.full_clean()
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise ValidationError(
            {"day": _("This day is already in the calendar: edit it instead.")}
        ) from None
    record(
        Action.CREATE,
        actor=actor,
        target=entry,
        target_label=str(entry),
        detail=_day_detail(entry),
    )
    return entry


@transaction.atomic
def do_update_calendar_day(
    actor: Any, entry: CalendarDay, *, is_working_day: bool, note: str
) -> CalendarDay:
    require_calendar_keeper(actor, "org.change_calendarday")
    _require_not_past(entry.day)
    if not note.strip():
        raise ValidationError({"note": _("Name the day, for example 春节 or 国庆节调休.")})
    locked = CalendarDay.objects.select_for_update().get(pk=entry.pk)
    before = _day_detail(locked)
    locked.is_working_day, locked.note = is_working_day, note.strip()
    if _day_detail(locked) == before:
        return locked
    locked.full_clean()
    locked.save()
    record(
        Action.CHANGE,
        actor=actor,
        target=locked,
        target_label=str(locked),
        detail={**_day_detail(locked), "before": before},
    )
    return locked


@transaction.atomic
def do_remove_calendar_day(actor: Any, entry: CalendarDay) -> None:
    """Remove a future correction: the published schedule (or Monday to Friday) applies
    again. Past days stay, because deadlines were counted on them."""
    require_calendar_keeper(actor, "org.change_calendarday")
    locked = CalendarDay.objects.select_for_update().filter(pk=entry.pk).first()
    if locked is None:
        return
    if locked.day <= timezone.localdate():
        raise ValidationError(_("Only days still to come can be removed from the calendar."))
    detail = _day_detail(locked)
    label = str(locked)
    locked.delete()
    record(
        Action.CHANGE,
        actor=actor,
        target_label=label,
        detail={**detail, "removed": True, "record_type": "org.CalendarDay"},
    )
