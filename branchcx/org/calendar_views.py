"""The bank's calendar pages: the corrections to the published schedule by year, added,
changed and removed by head office (see :mod:`branchcx.org.calendar`)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from branchcx.lib.forms import run_action
from branchcx.org import calendar
from branchcx.org.forms import CalendarDayForm
from branchcx.org.models import CalendarDay
from branchcx.org.scoping import require_perm


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Http404 from None


def _calendar_url(year: int) -> str:
    return f"{reverse('org:calendar')}?year={year}"


@login_required
def calendar_list(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "org.view_calendarday")
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, 2000), 2100)
    entries = CalendarDay.objects.filter(day__year=year)
    rows = [
        {
            "entry": e,
            "published": calendar.published(e.day),
            "editable": e.day >= today,
            "removable": e.day > today,
        }
        for e in entries
    ]
    can_add = calendar.can_keep_calendar(request.user, "org.add_calendarday")
    can_change = calendar.can_keep_calendar(request.user, "org.change_calendarday")
    return render(
        request,
        "org/calendar/list.html",
        {
            "year": year,
            "years": sorted({today.year, today.year + 1, year}),
            "previous_year": year - 1,
            "next_year": year + 1,
            "rows": rows,
            "year_known": calendar.year_is_known(year),
            "unknown_year": calendar.unknown_next_year(today),
            "can_add": can_add,
            "can_change": can_change,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def calendar_add(request: HttpRequest) -> HttpResponse:
    calendar.require_calendar_keeper(request.user, "org.add_calendarday")
    form = CalendarDayForm(request.POST or None, initial={"is_working_day": "0"})
    if request.method == "POST" and form.is_valid():
        saved, entry = run_action(
            form, lambda: calendar.do_add_calendar_day(request.user, **form.cleaned_data)
        )
        if saved:
            messages.success(
                request,
                _("%(day)s added: deadlines from now on count it.") % {"day": entry.day},
            )
            return redirect(_calendar_url(entry.day.year))
    return render(
        request,
        "org/calendar/form.html",
        {
            "form": form,
            "title": _("New calendar day"),
            "cancel_url": reverse("org:calendar"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def calendar_edit(request: HttpRequest, day: str) -> HttpResponse:
    calendar.require_calendar_keeper(request.user, "org.change_calendarday")
    entry = calendar.get_calendar_day(_parse_day(day))
    form = CalendarDayForm(
        request.POST or None,
        initial={"is_working_day": "1" if entry.is_working_day else "0", "note": entry.note},
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        saved, _updated = run_action(
            form,
            lambda: calendar.do_update_calendar_day(request.user, entry, **form.cleaned_data),
        )
        if saved:
            messages.success(request, _("Saved."))
            return redirect(_calendar_url(entry.day.year))
    return render(
        request,
        "org/calendar/form.html",
        {
            "form": form,
            "title": _("Calendar day %(day)s") % {"day": entry.day.isoformat()},
            "cancel_url": _calendar_url(entry.day.year),
        },
    )


@login_required
@require_POST
def calendar_delete(request: HttpRequest, day: str) -> HttpResponse:
    calendar.require_calendar_keeper(request.user, "org.change_calendarday")
    entry = calendar.get_calendar_day(_parse_day(day))
    try:
        calendar.do_remove_calendar_day(request.user, entry)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(day)s removed: the published schedule applies to it again.")
            % {"day": entry.day.isoformat()},
        )
    return redirect(_calendar_url(entry.day.year))
