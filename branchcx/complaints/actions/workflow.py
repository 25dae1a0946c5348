"""Moving a complaint through its states: transitions, merging a repeat into the open
complaint, extending the deadline, pausing and resuming the clock."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.complaints.actions.common import (
    MANAGERS,
    NEEDS_REASON,
    REVISIT_WORKING_DAYS,
    TRANSITIONS,
    _bump,
    _end_pause,
    _handler,
    _locked,
    _note,
    _restart_clock,
    above,
    interested_staff_ids,
    serves,
)
from branchcx.complaints.clock import (
    ClockError,
    PauseReason,
    check_review_request,
)
from branchcx.complaints.models import (
    OPEN_STATES,
    ClockPause,
    Complaint,
    Decision,
    Escalation,
    Notification,
    Revisit,
    State,
    TimelineEntry,
)
from branchcx.lib.workdays import add_working_days
from branchcx.org.calendar import bank_overrides
from branchcx.org.models import StaffProfile
from branchcx.org.scoping import require_perm

RESTARTS = (TimelineEntry.Kind.REOPENED, TimelineEntry.Kind.NEW_FACTS)


def _final_decision(complaint: Complaint, to_state: str) -> bool:
    kind = Decision.Kind.REVIEW if to_state == State.REVIEW_DECIDED else Decision.Kind.DECISION
    latest = complaint.decisions.filter(kind=kind).order_by("-decided_at", "-pk").first()
    restarted = complaint.timeline.filter(kind__in=RESTARTS).order_by("-at").first()
    if latest is None or (restarted is not None and latest.decided_at < restarted.at):
        return False  # none yet, or only one from before new facts or a reopening
    return latest.is_final


def _told_since_decision(complaint: Complaint, kind: str = Decision.Kind.DECISION) -> bool:
    """Whether the customer was told of the latest (review) decision, with proof, once it
    was final: a notice sent while large compensation awaited approval does not count."""
    decision = complaint.decisions.filter(kind=kind).order_by("-decided_at", "-pk").first()
    if decision is None:
        return False
    since = max(decision.decided_at, decision.approved_at or decision.decided_at)
    notices = complaint.notifications.filter(kind=kind)  # the two Kind enums share values
    return notices.filter(sent_at__gte=since).exists()


def open_duplicates(complaint: Complaint) -> list[Complaint]:
    """The same customer's other complaints still awaiting a decision: a re-filed complaint
    is merged into the open one instead of being handled twice."""
    if complaint.customer_id is None:
        return []
    return list(
        Complaint.objects.filter(customer_id=complaint.customer_id, state__in=OPEN_STATES)
        .exclude(pk=complaint.pk)
        .order_by("received_at")
    )


@transaction.atomic
def do_transition(
    actor: Any,
    complaint: Complaint,
    to_state: str,
    *,
    expected_version: int,
    reason: str = "",
    requested_on: date | None = None,
) -> Complaint:
    """Move the complaint to ``to_state``. ``requested_on`` is the day the customer asked for
    a review (a letter keyed in later still counts from when it was written); default today."""
    require_perm(actor, "complaints.change_complaint")
    locked = _locked(actor, complaint, expected_version)
    _handler(actor, locked)
    if to_state not in TRANSITIONS.get(locked.state, set()):
        raise ValidationError(
            {
                "state": _("A complaint that is %(current)s cannot become %(target)s.")
                % {
                    "current": State(locked.state).label,
                    "target": State(to_state).label if to_state in State.values else to_state,
                }
            }
        )
    if to_state in NEEDS_REASON and not reason.strip():
        raise ValidationError({"reason": _("Say why.")})
    if locked.clock.is_paused and to_state == State.DECIDED:
        raise ValidationError({"state": _("Resume the clock before deciding.")})
    if to_state in (State.DECIDED, State.REVIEW_DECIDED) and not _final_decision(locked, to_state):
        raise ValidationError(
            {"state": _("Record the decision first (approved, where the policy asks for it).")}
        )
    if to_state == State.NOTIFIED and not _told_since_decision(locked):
        raise ValidationError(
            {"state": _("Record how the customer was told of the decision first, with proof.")}
        )
    if to_state == State.REVIEW_DECIDED and not _told_since_decision(locked, Decision.Kind.REVIEW):
        raise ValidationError(
            {"state": _("Record how the customer was told of the review decision, with proof.")}
        )
    if to_state == State.REVIEW_REQUESTED:
        notice = (
            locked.notifications.filter(kind=Notification.Kind.DECISION)
            .order_by("-sent_at")
            .first()
        )  # the decision's notification starts the 30-day window
        requested_on = requested_on or timezone.localdate()
        if requested_on > timezone.localdate():
            raise ValidationError({"requested_on": _("This day has not come yet.")})
        if notice is not None:
            if requested_on < timezone.localdate(notice.sent_at):
                raise ValidationError(
                    {"requested_on": _("A review is asked for after the decision was told.")}
                )
            try:
                check_review_request(timezone.localdate(notice.sent_at), requested_on)
            except ClockError as exc:
                raise ValidationError({"state": str(exc)}) from None
    if to_state == State.WITHDRAWN:
        _end_pause(locked, actor, timezone.localdate(), "withdrawn")
    before = locked.state
    locked.state = to_state
    fields = ["state"]
    if locked.responded_at is None and before == State.REGISTERED:
        locked.responded_at = timezone.now()  # accepting (or withdrawing) answers first
        fields.append("responded_at")
    if to_state == State.REVIEW_REQUESTED and not locked.is_major:
        # the review has its own deadline: escalated afresh if it is missed
        locked.escalation, locked.escalated_at = Escalation.NONE, None
        fields += ["escalation", "escalated_at"]
    detail = {}
    if to_state == State.REVIEW_REQUESTED and requested_on is not None:
        detail["requested_on"] = requested_on.isoformat()
    _note(locked, actor, TimelineEntry.Kind.TRANSITION, reason, from_state=before,
          to_state=to_state, **detail)  # fmt: skip
    _bump(locked, *fields)  # after the entry: the review's due day reads its request day
    if to_state == State.CLOSED:
        interested = interested_staff_ids(locked)
        Revisit.objects.create(
            complaint=locked,
            due_on=add_working_days(timezone.localdate(), REVISIT_WORKING_DAYS, bank_overrides()),
            # nobody calls back about a complaint they have an interest in
            assigned_to=locked.owner if locked.owner_id not in interested else locked.handler,
        )
    return locked


@transaction.atomic
def do_merge(
    actor: Any,
    duplicate: Complaint,
    into: Complaint,
    *,
    expected_version: int,
    new_facts: bool,
) -> Complaint:
    """Merge a re-filed complaint into the open one. With new facts, the open complaint's
    clock restarts from the day the re-filed one arrived; without, it runs on."""
    require_perm(actor, "complaints.change_complaint")
    # lock both in key order, so two opposite merges cannot deadlock
    first, second = sorted([duplicate, into], key=lambda c: c.pk)
    list(
        Complaint.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .filter(pk__in=[first.pk, second.pk])
        .order_by("pk")
        .values_list("pk", flat=True)
    )  # (a COUNT would not take the locks)
    locked = _locked(actor, duplicate, expected_version)
    try:
        target = Complaint.objects.visible_to(actor).get(pk=into.pk)
    except Complaint.DoesNotExist:
        raise Http404 from None
    _handler(actor, target)
    if locked.pk == target.pk or target.state not in (State.REGISTERED, State.ACCEPTED,
                                                      State.INVESTIGATING):  # fmt: skip
        raise ValidationError(
            {"into": _("Merge into another complaint that is still being investigated.")}
        )
    if locked.state not in (State.REGISTERED, State.ACCEPTED):
        raise ValidationError({"state": _("Only a newly filed complaint can be merged.")})
    if locked.customer_id is None or locked.customer_id != target.customer_id:
        raise ValidationError({"into": _("Both complaints must be the same customer's.")})
    if locked.received_at < target.received_at:
        # merging the earlier complaint into a later one would move its deadline away
        raise ValidationError(
            {"into": _("Merge the later complaint into the earlier one, not the other way.")}
        )
    _end_pause(locked, actor, timezone.localdate(), "merged")
    before = locked.state
    locked.state, locked.merged_into = State.MERGED, target
    _bump(locked, "state", "merged_into")
    _note(locked, actor, TimelineEntry.Kind.MERGE, from_state=before, to_state=State.MERGED,
          into=target.number)  # fmt: skip
    if new_facts:
        restart_on = max(timezone.localdate(locked.received_at), target.clock_started_on)
        _bump(target, *_restart_clock(target, restart_on, actor))
        _note(target, actor, TimelineEntry.Kind.NEW_FACTS, from_number=locked.number,
              clock_started_on=restart_on.isoformat())  # fmt: skip
    else:
        _note(target, actor, TimelineEntry.Kind.MERGE, from_number=locked.number)
    return locked


@transaction.atomic
def do_extend(
    actor: Any,
    complaint: Complaint,
    *,
    expected_version: int,
    reason: str,
    customer_told_via: str,
    proof: str,
) -> Complaint:
    """15 → 30 days for a complex case, approved by the manager responsible for the outlet;
    30 → 60 only when a higher level approves (the actor is the approver). The customer must
    be told of each extension: how, what and the proof are kept as a notification."""
    require_perm(actor, "complaints.change_complaint")
    locked = _locked(actor, complaint, expected_version)
    staff = _handler(actor, locked)
    errors: dict[str, str] = {}
    if locked.state not in OPEN_STATES:
        errors["state"] = _("Only a complaint awaiting its decision can be extended.")
    elif locked.clock.days_left(timezone.localdate()) < 0:
        errors["state"] = _("The deadline has passed; an extension cannot undo a breach.")
    if not reason.strip():
        errors["reason"] = _("Say why the case needs more time.")
    if customer_told_via not in Notification.Method.values:
        errors["customer_told_via"] = _("Record how the customer was told of the extension.")
    if not proof.strip():
        errors["proof"] = _("Give the proof: letter number, SMS or email id, or call recording id.")
    if locked.allowed_days < 30 and (
        staff.role not in MANAGERS or not serves(staff, locked.outlet)
    ):
        # the first extension is approved by the unit's complaint lead (投诉处理负责人)
        errors["__all__"] = _(
            "The first extension needs the approval of the manager responsible for the outlet."
        )
    if errors:
        raise ValidationError(errors)
    try:
        clock = locked.clock.extend(
            approved_by_higher_level=staff.role in MANAGERS
            and above(staff, locked.outlet)
            and _above_first_extension(locked, staff)
        )
    except ClockError as exc:
        raise ValidationError({"allowed_days": str(exc)}) from None
    locked.allowed_days = clock.allowed_days
    _bump(locked, "allowed_days")
    told = _("The deadline of your complaint is extended to %(day)s: %(reason)s") % {
        "day": clock.deadline(timezone.localdate()).isoformat(),
        "reason": reason.strip(),
    }
    notice = Notification.objects.create(
        complaint=locked, kind=Notification.Kind.EXTENSION, method=customer_told_via,
        sent_at=timezone.now(), content=told, proof=proof.strip(), recorded_by=staff,
    )  # fmt: skip
    _note(locked, actor, TimelineEntry.Kind.EXTENSION, reason, allowed_days=clock.allowed_days,
          customer_told_via=customer_told_via, notification=notice.pk)  # fmt: skip
    return locked


def _above_first_extension(complaint: Complaint, staff: StaffProfile) -> bool:
    """Whether ``staff`` works at a level above whoever approved the first extension (since
    the clock last started): the further extension is the higher level's own decision."""
    extensions = complaint.timeline.filter(kind=TimelineEntry.Kind.EXTENSION).exclude(actor=None)
    restarted = complaint.timeline.filter(kind__in=RESTARTS).order_by("-at").first()
    if restarted is not None:
        extensions = extensions.filter(at__gt=restarted.at)
    first = extensions.order_by("at", "pk").first()
    if first is None:
        return True
    approver = StaffProfile.objects.filter(user_id=first.actor_id).select_related("branch").first()
    if approver is None:
        return True
    return approver.branch.path.startswith(staff.branch.path) and approver.branch_id != (
        staff.branch_id
    )


PAUSE_BACKDATE_DAYS = 3  # a pause is recorded promptly: at most this many days after it began
PAUSABLE = (State.REGISTERED, State.ACCEPTED, State.INVESTIGATING)


@transaction.atomic
def do_pause(
    actor: Any,
    complaint: Complaint,
    *,
    expected_version: int,
    reason: str,
    on: date | None = None,
    note: str = "",
) -> Complaint:
    """Stop the clock for external appraisal/testing or mediation."""
    require_perm(actor, "complaints.change_complaint")
    locked = _locked(actor, complaint, expected_version)
    _handler(actor, locked)
    today = timezone.localdate()
    on = on or today
    if locked.state not in PAUSABLE:
        raise ValidationError(
            {"state": _("Only a complaint still being investigated can be paused.")}
        )
    if on > today:
        raise ValidationError({"on": _("A pause is recorded when it starts, not before.")})
    if locked.clock.days_left(today) < 0:
        raise ValidationError({"on": _("The deadline has passed; a pause cannot undo a breach.")})
    if on < today - timedelta(days=PAUSE_BACKDATE_DAYS):
        raise ValidationError(
            {"on": _("Record a pause within %(days)d days of its start.")
             % {"days": PAUSE_BACKDATE_DAYS}}
        )  # fmt: skip
    if locked.clock.deadline(on) < on:
        raise ValidationError({"on": _("The deadline had already passed on that day.")})
    if reason not in PauseReason.__members__.values():
        raise ValidationError({"reason": _("Pause for appraisal or mediation only.")})
    try:
        locked.clock.pause(PauseReason(reason), on)
    except ClockError as exc:
        raise ValidationError({"on": str(exc)}) from None
    ClockPause.objects.create(complaint=locked, reason=reason, started_on=on)
    _bump(locked)
    _note(locked, actor, TimelineEntry.Kind.PAUSE, note, reason=reason, on=on.isoformat())
    return locked


@transaction.atomic
def do_resume(
    actor: Any, complaint: Complaint, *, expected_version: int, on: date | None = None
) -> Complaint:
    require_perm(actor, "complaints.change_complaint")
    locked = _locked(actor, complaint, expected_version)
    _handler(actor, locked)
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ValidationError({"on": _("The clock resumes on a day that has come.")})
    try:
        locked.clock.resume(on)
    except ClockError as exc:
        raise ValidationError({"on": str(exc)}) from None
    ClockPause.objects.filter(complaint=locked, ended_on__isnull=True).update(ended_on=on)
    _bump(locked)
    _note(locked, actor, TimelineEntry.Kind.RESUME, on=on.isoformat())
    return locked
