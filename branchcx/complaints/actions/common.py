"""What the complaint actions share: the workflow's transitions, the acting staff, the lock and
version check, timeline notes, the clock's restart and the due day."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.complaints.clock import (
    review_decision_deadline,
)
from branchcx.complaints.models import (
    OPEN_STATES,
    Classification,
    ClockPause,
    Complaint,
    Escalation,
    Recusal,
    ServiceTarget,
    State,
    TimelineEntry,
)
from branchcx.lib.locking import lock_for_update
from branchcx.lib.workdays import add_working_hours
from branchcx.org.access import own_staff_profile
from branchcx.org.calendar import bank_overrides
from branchcx.org.models import Branch, Role, StaffProfile

REVISIT_WORKING_DAYS = 3  # the call-back after closing is due within this many working days
UNSATISFIED = 2  # a satisfaction of 2 or less (out of 5) reopens the complaint
MAJOR_CO_COMPLAINANTS = 20  # a group this large is a "major complaint" (重大投诉)
MAX_REPRESENTATIVES = 5

# The workflow. Merging has its own action (do_merge); review requests are checked against
# the 30-day window.
TRANSITIONS: dict[str, set[str]] = {
    State.REGISTERED: {State.ACCEPTED, State.WITHDRAWN},
    State.ACCEPTED: {State.INVESTIGATING, State.WITHDRAWN},
    State.INVESTIGATING: {State.DECIDED, State.WITHDRAWN},
    State.DECIDED: {State.NOTIFIED},
    State.NOTIFIED: {State.CLOSED, State.REVIEW_REQUESTED},
    State.CLOSED: {State.REVIEW_REQUESTED},
    State.REVIEW_REQUESTED: {State.REVIEW_DECIDED},
    State.REVIEW_DECIDED: set(),
    State.WITHDRAWN: set(),
    State.MERGED: set(),
}
NEEDS_REASON = {State.WITHDRAWN}


def _staff(actor: Any) -> StaffProfile:
    staff = own_staff_profile(actor)
    if staff is None:
        raise ValidationError({"__all__": _("Only staff members can handle complaints.")})
    return staff


def _note(
    complaint: Complaint,
    actor: Any,
    kind: str,
    text: str = "",
    *,
    from_state: str = "",
    to_state: str = "",
    **detail: Any,
) -> TimelineEntry:
    return TimelineEntry.objects.create(
        complaint=complaint,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        text=text,
        from_state=from_state,
        to_state=to_state,
        detail=detail,
    )


def _classification(value: Classification | None, axis: str, field: str) -> dict[str, str]:
    if value is None:
        return {}
    if value.axis != axis:
        return {field: _("This code belongs to another classification axis.")}
    if not value.is_active:
        return {field: _("This code is retired; choose one in use.")}
    return {}


def _locked(actor: Any, complaint: Complaint, expected_version: int) -> Complaint:
    """The complaint, locked, if the actor may see it (else 404) and nobody changed it since
    the actor loaded it (else 409)."""
    try:
        return lock_for_update(
            Complaint.objects.visible_to(actor).select_related("outlet"),
            complaint.pk,
            expected_version,
        )
    except Complaint.DoesNotExist:
        raise Http404 from None


def _check_not_interested(staff: StaffProfile, complaint: Complaint) -> None:
    """Staff with an interest in a complaint take no part in handling it (回避)."""
    if staff.pk in interested_staff_ids(complaint):
        raise ValidationError(
            {"__all__": _("You have an interest in this complaint and cannot handle it.")}
        )


def _handler(actor: Any, complaint: Complaint) -> StaffProfile:
    """The acting member of staff, checked for an interest in the complaint."""
    staff = _staff(actor)
    _check_not_interested(staff, complaint)
    return staff


def _end_pause(complaint: Complaint, actor: Any, on: date, why: str) -> None:
    """End a running pause on ``on`` (never before it started), on the timeline as a resume
    with the reason: appraisal or mediation time is never ended silently."""
    running = ClockPause.objects.filter(complaint=complaint, ended_on__isnull=True).first()
    if running is None:
        return
    ended_on = max(on, running.started_on)
    ClockPause.objects.filter(pk=running.pk).update(ended_on=ended_on)
    _note(complaint, actor, TimelineEntry.Kind.RESUME, on=ended_on.isoformat(), because=why)


def _restart_clock(complaint: Complaint, on: date, actor: Any = None) -> list[str]:
    """New facts or a reopening: 15 days again from ``on``. A running pause ends that day
    (recorded), the internal targets start over, and so does the escalation, except a major
    complaint's, which stays with head office. Returns the fields changed."""
    clock = complaint.clock.restart(on)
    _end_pause(complaint, actor, on, "clock_restarted")
    complaint.clock_started_on, complaint.allowed_days = clock.started_on, clock.allowed_days
    if not complaint.is_major:
        complaint.escalation, complaint.escalated_at = Escalation.NONE, None
    target = ServiceTarget.objects.filter(priority=complaint.priority).first()
    if target:
        complaint.resolve_by = add_working_hours(
            timezone.localtime(), target.resolution_hours, bank_overrides()
        )
    return ["clock_started_on", "allowed_days", "escalation", "escalated_at", "resolve_by"]


def due_on(complaint: Complaint, today: date) -> date | None:
    """What ``Complaint.due_on`` should hold: the decision's deadline while the clock runs,
    the review decision's once a review is requested, else nothing."""
    if complaint.state == State.REVIEW_REQUESTED:
        requested = complaint.timeline.filter(to_state=State.REVIEW_REQUESTED).order_by("-at")
        entry = requested.first()
        if entry is None:
            return review_decision_deadline(today)
        asked = entry.detail.get("requested_on")  # the day the customer asked, if recorded
        return review_decision_deadline(
            date.fromisoformat(asked) if asked else timezone.localdate(entry.at)
        )
    if complaint.state not in OPEN_STATES:
        return None
    clock = complaint.clock
    return None if clock.is_paused else clock.deadline(today)


def _bump(complaint: Complaint, *fields: str) -> None:
    """Save a change: a new version, and the due day as the change leaves it."""
    complaint.version += 1
    complaint.due_on = due_on(complaint, timezone.localdate())
    complaint.save(update_fields=[*fields, "version", "due_on", "updated_at"])


MANAGERS = (Role.BRANCH_MANAGER, Role.HEAD_OFFICE_ADMIN)


def serves(staff: StaffProfile, outlet: Branch) -> bool:
    """Works at the outlet or at a unit above it."""
    return outlet.path.startswith(staff.branch.path)


def above(staff: StaffProfile, outlet: Branch) -> bool:
    """Works at a unit above the outlet (the higher-level branch, or head office)."""
    return serves(staff, outlet) and outlet.path != staff.branch.path


def interested_staff_ids(complaint: Complaint) -> set[int]:
    """Staff who may not handle or own the complaint: those it is about, and those who
    declared an interest."""
    return set(complaint.staff_involved.values_list("pk", flat=True)) | set(
        Recusal.objects.filter(complaint=complaint).values_list("staff_id", flat=True)
    )
