"""Every change to a complaint: validated, atomic, locked, on the complaint's timeline.

Callers fetch complaints, customers and outlets through ``access.py``, so what arrives here
is inside the actor's scope; each action still checks the actor's permission and, for a new
complaint, that the outlet is theirs. Every action that changes a complaint takes the
version the user saw and refuses with 409 if someone acted in between.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Length
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.audit.actions import Action, record
from branchcx.complaints.clock import (
    ClockError,
    PauseReason,
    check_review_request,
    review_decision_deadline,
)
from branchcx.complaints.files import accepted_names, max_bytes, sniff
from branchcx.complaints.models import (
    FINAL_STATES,
    OPEN_STATES,
    AssignmentRule,
    Attachment,
    Classification,
    ClockPause,
    Complaint,
    Decision,
    Escalation,
    Grievance,
    IntakeChannel,
    MajorReason,
    Notification,
    Priority,
    Recusal,
    Revisit,
    RootCause,
    ServiceTarget,
    State,
    TimelineEntry,
)
from branchcx.customers.models import Customer
from branchcx.lib.errors import ConflictError
from branchcx.lib.workdays import add_working_days, add_working_hours, bank_overrides
from branchcx.org.models import Branch, Role, StaffProfile, ancestor_paths
from branchcx.org.scoping import require_perm, scope_path

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
    staff = (
        StaffProfile.objects.filter(user_id=actor.pk, is_active=True)
        .select_related("branch")
        .first()
    )
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
        locked = (
            Complaint.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("outlet")
            .get(pk=complaint.pk)
        )
    except Complaint.DoesNotExist:
        raise Http404 from None
    if locked.version != expected_version:
        raise ConflictError
    return locked


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


@transaction.atomic
def do_register_complaint(
    actor: Any,
    *,
    outlet: Branch,
    intake_channel: str,
    narrative: str,
    customer: Customer | None = None,
    complainant_name: str = "",
    complainant_phone: str = "",
    received_at: datetime | None = None,
    regulator_reference: str = "",
    channel: Classification | None = None,
    business: Classification | None = None,
    cause: Classification | None = None,
    card_reason: Classification | None = None,
    priority: str = Priority.NORMAL,
    co_complainants: int = 0,
    representatives: int = 0,
    major_reason: str = "",
    staff_involved: list[StaffProfile] | None = None,
) -> Complaint:
    """Record a complaint as received. The receiving employee owns it (首问负责制)."""
    require_perm(actor, "complaints.add_complaint")
    staff = _staff(actor)
    path = scope_path(actor)
    now = timezone.now()
    received_at = received_at or now
    errors: dict[str, str] = {}
    if path is None or not outlet.path.startswith(path) or outlet.level != Branch.Level.OUTLET:
        errors["outlet"] = _("Choose an outlet within your scope.")
    if intake_channel not in IntakeChannel.values:
        errors["intake_channel"] = _("Choose how the complaint reached the bank.")
    if not narrative.strip():
        errors["narrative"] = _("Write down what the customer said, in their words.")
    if customer is None and not complainant_name.strip():
        errors["complainant_name"] = _("Name the complainant, or choose the customer.")
    if (
        customer is not None
        and not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists()
    ):
        errors["customer"] = _("Choose a customer within your scope.")
    if (
        staff_involved
        and "outlet" not in errors
        and any(not s.is_active or not serves(s, outlet) for s in staff_involved)
    ):
        errors["staff_involved"] = _("Name staff who work at the outlet or a unit above it.")
    if staff_involved and staff in staff_involved:
        # first-contact ownership would make them the owner of a complaint about themselves
        errors["staff_involved"] = _(
            "You are named in this complaint: ask a colleague to register it, so that it is "
            "not yours to handle."
        )
    if intake_channel == IntakeChannel.REGULATOR and not regulator_reference.strip():
        errors["regulator_reference"] = _("Give the regulator's reference for a transfer.")
    if received_at > now:
        errors["received_at"] = _("A complaint cannot be received in the future.")
    if priority not in Priority.values:
        errors["priority"] = _("Choose one of the listed priorities.")
    errors |= _group_errors(co_complainants, representatives)
    if major_reason and major_reason not in MajorReason.values:
        errors["major_reason"] = _("Choose one of the listed reasons.")
    errors |= _classification(channel, Classification.Axis.CHANNEL, "channel")
    errors |= _classification(business, Classification.Axis.BUSINESS, "business")
    errors |= _classification(cause, Classification.Axis.CAUSE, "cause")
    errors |= _classification(card_reason, Classification.Axis.CARD_REASON, "card_reason")
    if card_reason is not None and (business is None or business.code != "03"):
        errors["card_reason"] = _("Sub-reasons apply to bank-card complaints only.")
    if errors:
        raise ValidationError(errors)
    if not major_reason and co_complainants >= MAJOR_CO_COMPLAINANTS:
        major_reason = MajorReason.GROUP
    is_major = bool(major_reason)
    priority = Priority.URGENT if is_major else priority
    target = ServiceTarget.objects.filter(priority=priority).first()
    complaint = Complaint(
        number=f"NEW-{timezone.now():%H%M%S%f}",  # replaced below, once the key is known
        customer=customer,
        complainant_name=complainant_name.strip(),
        complainant_phone=complainant_phone.strip(),
        outlet=outlet,
        intake_channel=intake_channel,
        regulator_reference=regulator_reference.strip(),
        received_at=received_at,
        narrative=narrative.strip(),
        channel=channel,
        business=business,
        cause=cause,
        card_reason=card_reason,
        priority=priority,
        respond_by=(
            add_working_hours(
                timezone.localtime(received_at), target.first_response_hours, bank_overrides()
            )
            if target
            else None
        ),
        resolve_by=(
            add_working_hours(
                timezone.localtime(received_at), target.resolution_hours, bank_overrides()
            )
            if target
            else None
        ),
        received_by=staff,
        owner=staff,
        clock_started_on=timezone.localdate(received_at),
        is_group=co_complainants > 0,
        co_complainants=co_complainants,
        representatives=representatives,
        is_major=is_major,
        major_reason=major_reason,
        escalation=Escalation.HEAD_OFFICE if is_major else Escalation.NONE,
        escalated_at=timezone.now() if is_major else None,
    )
    complaint.save()
    complaint.number = f"TS{timezone.localdate(received_at):%Y%m%d}{complaint.pk:06d}"
    complaint.due_on = due_on(complaint, timezone.localdate())
    complaint.save(update_fields=["number", "due_on"])
    if staff_involved:
        complaint.staff_involved.set(staff_involved)
    _note(complaint, actor, TimelineEntry.Kind.TRANSITION, to_state=State.REGISTERED)
    if is_major:
        _note(complaint, actor, TimelineEntry.Kind.ESCALATED, to="head_office", major=major_reason)
    record(Action.CREATE, actor=actor, target=complaint, target_label=complaint.number)
    return complaint


def _group_errors(co_complainants: int, representatives: int) -> dict[str, str]:
    """A group complaint (co-complainants besides the complainant) names one to five
    representatives from among its members; a single complainant names none."""
    errors: dict[str, str] = {}
    if co_complainants < 0:
        errors["co_complainants"] = _("The number cannot be negative.")
    elif not 0 <= representatives <= MAX_REPRESENTATIVES:
        errors["representatives"] = _("A group complaint has at most 5 representatives.")
    elif co_complainants == 0 and representatives:
        errors["representatives"] = _(
            "Only a group complaint has representatives: give the number of co-complainants."
        )
    elif co_complainants and not representatives:
        errors["representatives"] = _("A group complaint names one to five representatives.")
    elif representatives > co_complainants + 1:
        errors["representatives"] = _(
            "There cannot be more representatives than people in the group."
        )
    return errors


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


MANAGERS = (Role.BRANCH_MANAGER, Role.HEAD_OFFICE_ADMIN)


def serves(staff: StaffProfile, outlet: Branch) -> bool:
    """Works at the outlet or at a unit above it."""
    return outlet.path.startswith(staff.branch.path)


def above(staff: StaffProfile, outlet: Branch) -> bool:
    """Works at a unit above the outlet (the higher-level branch, or head office)."""
    return serves(staff, outlet) and outlet.path != staff.branch.path


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


# --- first-contact ownership (首问负责制) ------------------------------------------------------


@transaction.atomic
def do_offer_handover(
    actor: Any, complaint: Complaint, to: StaffProfile, *, expected_version: int, reason: str
) -> Complaint:
    """The owner (or a handler) offers the complaint to a colleague who can see it; the
    owner stays responsible until the colleague accepts."""
    require_perm(actor, "complaints.add_complaint")
    staff = _staff(actor)
    locked = _locked(actor, complaint, expected_version)
    is_handler = actor.has_perm("complaints.change_complaint")
    errors: dict[str, str] = {}
    if locked.owner_id != staff.pk and not is_handler:
        errors["__all__"] = _("Only the owner or a complaint handler can hand it over.")
    if locked.state in FINAL_STATES:
        errors["state"] = _("This complaint is already finished.")
    if to.pk == locked.owner_id or not to.is_active:
        errors["to"] = _("Choose an active colleague other than the owner.")
    elif not to.user.has_perm("complaints.add_complaint"):
        errors["to"] = _("This colleague does not take complaints.")
    elif not serves(to, locked.outlet):
        errors["to"] = _("The colleague must work at the outlet or a unit above it.")
    elif to.pk in interested_staff_ids(locked):
        errors["to"] = _("This colleague has an interest in the complaint.")
    if not reason.strip():
        errors["reason"] = _("Say why.")
    if errors:
        raise ValidationError(errors)
    locked.pending_owner = to
    _bump(locked, "pending_owner")
    _note(locked, actor, TimelineEntry.Kind.HANDOVER_OFFERED, reason, to_id=to.pk)
    return locked


@transaction.atomic
def do_answer_handover(
    actor: Any, complaint: Complaint, *, expected_version: int, accept: bool, reason: str = ""
) -> Complaint:
    """The colleague offered the complaint accepts (and becomes its owner) or declines."""
    require_perm(actor, "complaints.add_complaint")
    staff = _staff(actor)
    locked = _locked(actor, complaint, expected_version)
    if locked.pending_owner_id != staff.pk:
        raise ValidationError({"__all__": _("This complaint has not been offered to you.")})
    if not accept and not reason.strip():
        raise ValidationError({"reason": _("Say why.")})
    if accept:
        _check_not_interested(staff, locked)
    previous = locked.owner
    if accept:
        locked.owner = staff
    locked.pending_owner = None
    _bump(locked, "owner", "pending_owner")
    kind = TimelineEntry.Kind.HANDOVER_ACCEPTED if accept else TimelineEntry.Kind.HANDOVER_DECLINED
    _note(locked, actor, kind, reason, previous_id=previous.pk)
    return locked


def ownership_history(complaint: Complaint) -> list[TimelineEntry]:
    """Who owned the complaint when: registration, offers, acceptances and refusals."""
    kinds = [
        TimelineEntry.Kind.HANDOVER_OFFERED,
        TimelineEntry.Kind.HANDOVER_ACCEPTED,
        TimelineEntry.Kind.HANDOVER_DECLINED,
    ]
    return list(
        complaint.timeline.filter(kind__in=kinds).select_related("actor").order_by("at", "pk")
    )


# --- voice of the customer (抱怨) ---------------------------------------------------------------


@transaction.atomic
def do_record_grievance(
    actor: Any, *, outlet: Branch, source: str, text: str, customer: Customer | None = None
) -> Grievance:
    require_perm(actor, "complaints.add_complaint")
    staff = _staff(actor)
    path = scope_path(actor)
    errors: dict[str, str] = {}
    if path is None or not outlet.path.startswith(path) or outlet.level != Branch.Level.OUTLET:
        errors["outlet"] = _("Choose an outlet within your scope.")
    if source not in Grievance.Source.values:
        errors["source"] = _("Choose where this came from.")
    if not text.strip():
        errors["text"] = _("Write down what the customer said, in their words.")
    if errors:
        raise ValidationError(errors)
    return Grievance.objects.create(
        customer=customer, outlet=outlet, source=source, text=text.strip(), recorded_by=staff
    )


@transaction.atomic
def do_promote_grievance(
    actor: Any, grievance: Grievance, *, intake_channel: str, **complaint: Any
) -> Complaint:
    """Turn a grievance into a complaint: its words become the narrative, its time the
    receipt (the clock runs from when the customer first said it)."""
    locked = Grievance.objects.select_for_update().get(pk=grievance.pk)
    if locked.promoted_to_id is not None:
        raise ConflictError(_("This item has already become a complaint."))
    created = do_register_complaint(
        actor,
        outlet=locked.outlet,
        intake_channel=intake_channel,
        narrative=locked.text,
        customer=locked.customer,
        **complaint,
    )  # received now: a grievance becomes a complaint when the customer asks for a decision
    locked.promoted_to = created
    locked.save(update_fields=["promoted_to"])
    _note(created, actor, TimelineEntry.Kind.NOTE, source=locked.source, from_grievance=True,
          first_said=locked.recorded_at.isoformat())  # fmt: skip
    return created


# --- assignment ----------------------------------------------------------------------------


def rule_for(complaint: Complaint) -> AssignmentRule | None:
    """The most specific active rule covering the complaint's outlet and category."""
    units = ancestor_paths(complaint.outlet.path)
    rules = (
        AssignmentRule.objects.filter(is_active=True, unit__path__in=units)
        .filter(Q(business__isnull=True) | Q(business_id=complaint.business_id))
        .annotate(depth=Length("unit__path"))
        .order_by("-depth", F("business_id").desc(nulls_last=True), "pk")
    )
    return rules.first()


def least_loaded(officers: Any) -> StaffProfile | None:
    """The active officer with the fewest complaints still open in their hands (one query)."""
    return (
        officers.filter(is_active=True)
        .annotate(
            load=Count(
                "handled_complaints",
                filter=~Q(handled_complaints__state__in=FINAL_STATES),
            )
        )
        .order_by("load", "pk")
        .first()
    )


@transaction.atomic
def do_assign(
    actor: Any,
    complaint: Complaint,
    *,
    expected_version: int,
    handler: StaffProfile | None = None,
    reason: str = "",
) -> Complaint:
    """Assign the handler by the rules, or (a manager's override) to the officer given."""
    require_perm(actor, "complaints.change_complaint")
    locked = _locked(actor, complaint, expected_version)
    staff = _handler(actor, locked)
    rule = None
    if handler is None:
        rule = rule_for(locked)
        eligible = rule.officers.exclude(pk__in=interested_staff_ids(locked)) if rule else None
        handler = least_loaded(eligible) if eligible is not None else None
        if handler is None:
            raise ValidationError(
                {"handler": _("No assignment rule covers this complaint; choose the handler.")}
            )
    else:
        errors: dict[str, str] = {}
        if staff.role not in MANAGERS:
            errors["__all__"] = _("Choosing the handler yourself is a manager's decision.")
        if not handler.is_active or not serves(handler, locked.outlet):
            errors["handler"] = _("The colleague must work at the outlet or a unit above it.")
        if not handler.user.has_perm("complaints.change_complaint"):
            errors["handler"] = _("This colleague does not handle complaints.")
        if not reason.strip():
            errors["reason"] = _("Say why you choose the handler yourself.")
        if handler.pk in interested_staff_ids(locked):
            errors["handler"] = _("This colleague has an interest in the complaint.")
        if errors:
            raise ValidationError(errors)
    if locked.state in FINAL_STATES:
        raise ValidationError({"state": _("This complaint is already finished.")})
    locked.handler = handler
    _bump(locked, "handler")
    rule_id = rule.pk if rule else None
    _note(locked, actor, TimelineEntry.Kind.ASSIGNED, reason, handler_id=handler.pk, rule=rule_id)
    return locked


# --- escalation sweep ------------------------------------------------------------------------


@transaction.atomic
def sweep_escalations(now: datetime | None = None) -> dict[str, int]:
    """Escalate every complaint that missed a target, in bulk: an internal service target
    (first response or resolution) to the branch manager, the regulatory deadline to head
    office. Set-based: two UPDATEs and one INSERT of timeline entries, whatever the count."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    live = Complaint.objects.exclude(state__in=FINAL_STATES)
    regulatory = live.filter(due_on__lt=today, escalation__lt=Escalation.HEAD_OFFICE)
    internal = live.filter(escalation__lt=Escalation.BRANCH).filter(
        Q(respond_by__lt=now, responded_at__isnull=True)
        | Q(resolve_by__lt=now, state__in=OPEN_STATES)
    )
    counts = {}
    for name, queryset, level in (
        ("head_office", regulatory, Escalation.HEAD_OFFICE),
        ("branch", internal, Escalation.BRANCH),
    ):
        ids = list(queryset.select_for_update().values_list("pk", flat=True))
        Complaint.objects.filter(pk__in=ids).update(escalation=level, escalated_at=now)
        TimelineEntry.objects.bulk_create(
            TimelineEntry(complaint_id=pk, at=now, kind=TimelineEntry.Kind.ESCALATED,
                          detail={"to": Escalation(level).name.lower()})
            for pk in ids
        )  # fmt: skip
        counts[name] = len(ids)
    return counts


# --- recusal (回避) ----------------------------------------------------------------------------


def interested_staff_ids(complaint: Complaint) -> set[int]:
    """Staff who may not handle or own the complaint: those it is about, and those who
    declared an interest."""
    return set(complaint.staff_involved.values_list("pk", flat=True)) | set(
        Recusal.objects.filter(complaint=complaint).values_list("staff_id", flat=True)
    )


@transaction.atomic
def do_recuse(actor: Any, complaint: Complaint, *, expected_version: int, reason: str) -> Complaint:
    """The actor declares a direct interest: recorded, and if they handle the complaint they
    stop (it must be assigned again); an owner must hand it over."""
    require_perm(actor, "complaints.add_complaint")
    staff = _staff(actor)
    locked = _locked(actor, complaint, expected_version)
    if not reason.strip():
        raise ValidationError({"reason": _("Say what your interest is.")})
    if Recusal.objects.filter(complaint=locked, staff=staff).exists():
        raise ValidationError({"__all__": _("You have already declared an interest.")})
    Recusal.objects.create(complaint=locked, staff=staff, reason=reason.strip())
    fields = []
    if locked.handler_id == staff.pk:
        locked.handler = None
        fields.append("handler")
    if locked.pending_owner_id == staff.pk:
        locked.pending_owner = None
        fields.append("pending_owner")
    _bump(locked, *fields)
    _note(locked, actor, TimelineEntry.Kind.RECUSAL, reason, staff_id=staff.pk,
          was_handler="handler" in fields)  # fmt: skip
    return locked


# --- telling the customer ----------------------------------------------------------------------


@transaction.atomic
def do_record_notification(
    actor: Any,
    complaint: Complaint,
    *,
    kind: str,
    method: str,
    content: str,
    proof: str,
    sent_at: datetime | None = None,
    expected_version: int | None = None,
) -> Notification:
    """Keep the proof of telling the customer: what, when, how, and the reference. It adds
    a record without changing the complaint; with ``expected_version`` (a form the user
    filled in) it is refused all the same if the complaint changed since they opened it."""
    require_perm(actor, "complaints.change_complaint")
    if expected_version is not None:
        complaint = _locked(actor, complaint, expected_version)
    staff = _handler(actor, complaint)
    now = timezone.now()
    sent_at = sent_at or now
    errors: dict[str, str] = {}
    if kind not in Notification.Kind.values:
        errors["kind"] = _("Choose what the customer was told about.")
    if method not in Notification.Method.values:
        errors["method"] = _("Choose how the customer was told.")
    if not content.strip():
        errors["content"] = _("Write what the customer was told.")
    if not proof.strip():
        errors["proof"] = _("Give the proof: letter number, SMS or email id, or call recording id.")
    if sent_at > now:
        errors["sent_at"] = _("This time is in the future.")
    if errors:
        raise ValidationError(errors)
    notice = Notification.objects.create(
        complaint=complaint, kind=kind, method=method, sent_at=sent_at,
        content=content.strip(), proof=proof.strip(), recorded_by=staff,
    )  # fmt: skip
    _note(complaint, actor, TimelineEntry.Kind.NOTE, about=kind, method=method,
          notification=notice.pk)  # fmt: skip
    return notice


# --- decisions -----------------------------------------------------------------------------


@transaction.atomic
def do_record_decision(
    actor: Any,
    complaint: Complaint,
    *,
    expected_version: int,
    outcome: str,
    findings: str,
    basis: str,
    root_cause: RootCause,
    remedy: str,
    compensation: Decimal = Decimal("0"),
    root_cause_note: str = "",
    recovery_actions: str = "",
) -> Decision:
    """Record the decision (or, once a review is requested, the review decision). Large
    compensation waits for a manager's approval before the complaint can move on."""
    require_perm(actor, "complaints.change_complaint")
    locked = _locked(actor, complaint, expected_version)
    staff = _handler(actor, locked)
    kind = (
        Decision.Kind.REVIEW if locked.state == State.REVIEW_REQUESTED else Decision.Kind.DECISION
    )
    errors: dict[str, str] = {}
    if locked.state not in (State.INVESTIGATING, State.REVIEW_REQUESTED):
        errors["state"] = _("Decide a complaint under investigation or under review.")
    if outcome not in Decision.Outcome.values:
        errors["outcome"] = _("Choose the outcome.")
    for name, text in (("findings", findings), ("basis", basis), ("remedy", remedy)):
        if not text.strip():
            errors[name] = _("Required: the decision letter states it.")
    if not root_cause.is_active:
        errors["root_cause"] = _("This code is retired; choose one in use.")
    if kind == Decision.Kind.REVIEW:
        first = (
            locked.decisions.filter(kind=Decision.Kind.DECISION)
            .select_related("decided_by__branch")
            .order_by("-pk")
            .first()
        )
        first_unit = first.decided_by.branch if first is not None else locked.outlet
        if not above(staff, locked.outlet) or not above(staff, first_unit):
            errors["__all__"] = _(
                "A review is decided at the level above the outlet, by someone other than "
                "the first decider."
            )
    if compensation < 0:
        errors["compensation"] = _("The number cannot be negative.")
    if errors:
        raise ValidationError(errors)
    decision = Decision.objects.create(
        complaint=locked, kind=kind, outcome=outcome, findings=findings.strip(),
        basis=basis.strip(), root_cause=root_cause, root_cause_note=root_cause_note.strip(),
        remedy=remedy.strip(), compensation=compensation,
        recovery_actions=recovery_actions.strip(), decided_by=staff,
        needs_approval=compensation > settings.BRANCHCX_COMPENSATION_APPROVAL,
    )  # fmt: skip
    _bump(locked)
    _note(locked, actor, TimelineEntry.Kind.NOTE, decision=decision.pk, outcome=outcome,
          compensation=str(compensation), needs_approval=decision.needs_approval)  # fmt: skip
    return decision


@transaction.atomic
def do_approve_decision(actor: Any, decision: Decision, *, expected_version: int) -> Decision:
    """A manager responsible for the outlet (never the decider) approves large compensation.
    Only the latest decision of a complaint still waiting for it can be approved."""
    require_perm(actor, "complaints.change_complaint")
    staff = _staff(actor)
    complaint = _locked(actor, decision.complaint, expected_version)
    locked = Decision.objects.select_for_update().get(pk=decision.pk)
    locked.complaint = complaint
    if not locked.needs_approval or locked.approved_at is not None:
        raise ValidationError({"__all__": _("This decision needs no approval.")})
    latest = complaint.decisions.filter(kind=locked.kind).order_by("-decided_at", "-pk").first()
    waiting = State.INVESTIGATING if locked.kind == Decision.Kind.DECISION else (
        State.REVIEW_REQUESTED
    )  # fmt: skip
    if complaint.state != waiting or latest is None or latest.pk != locked.pk:
        raise ValidationError(
            {"__all__": _("This decision was replaced or the complaint has moved on.")}
        )
    _check_not_interested(staff, complaint)
    reach = above if locked.kind == Decision.Kind.REVIEW else serves
    if (
        staff.pk == locked.decided_by_id
        or staff.role not in MANAGERS
        or not reach(staff, locked.complaint.outlet)
    ):
        raise ValidationError(
            {"__all__": _("A manager responsible for the outlet approves, not the decider.")}
        )
    locked.approved_by, locked.approved_at = staff, timezone.now()
    locked.save(update_fields=["approved_by", "approved_at"])
    _bump(complaint)
    _note(complaint, actor, TimelineEntry.Kind.NOTE, decision=locked.pk, approved=True)
    return locked


# --- revisit (回访) -----------------------------------------------------------------------------


@transaction.atomic
def do_record_revisit(
    actor: Any,
    revisit: Revisit,
    *,
    method: str,
    satisfaction: int,
    note: str,
    expected_version: int | None = None,
) -> Revisit:
    """Record the call-back. An unsatisfied customer (2 or less) reopens the complaint: it
    goes back to investigation with a new 15-day clock, on its timeline. With
    ``expected_version``, refused if the complaint changed since the user opened it."""
    require_perm(actor, "complaints.add_complaint")
    # always the complaint first, then the revisit: one lock order on every path
    if expected_version is not None:
        complaint = _locked(actor, revisit.complaint, expected_version)
    else:
        complaint = Complaint.objects.select_for_update().get(pk=revisit.complaint_id)
    _handler(actor, complaint)
    locked = Revisit.objects.select_for_update().get(pk=revisit.pk)
    errors: dict[str, str] = {}
    if locked.done_at is not None:
        errors["__all__"] = _("This revisit is already recorded.")
    if method not in Revisit.Method.values:
        errors["method"] = _("Choose how the customer was reached.")
    if not 1 <= satisfaction <= 5:
        errors["satisfaction"] = _("Give a satisfaction from 1 to 5.")
    if not note.strip():
        errors["note"] = _("Write down what the customer said, in their words.")
    if errors:
        raise ValidationError(errors)
    locked.done_at, locked.method = timezone.now(), method
    locked.satisfaction, locked.note = satisfaction, note.strip()
    locked.save(update_fields=["done_at", "method", "satisfaction", "note"])
    _note(complaint, actor, TimelineEntry.Kind.REVISIT, satisfaction=satisfaction,
          method=method)  # fmt: skip
    if satisfaction <= UNSATISFIED and complaint.state == State.CLOSED:
        before = complaint.state
        complaint.state = State.INVESTIGATING
        _bump(complaint, "state", *_restart_clock(complaint, timezone.localdate(), actor))
        _note(complaint, actor, TimelineEntry.Kind.REOPENED, from_state=before,
              to_state=State.INVESTIGATING, satisfaction=satisfaction)  # fmt: skip
    return locked


# --- evidence and classification -------------------------------------------------------------


@transaction.atomic
def do_add_attachment(
    actor: Any, complaint: Complaint, *, filename: str, data: bytes, description: str = ""
) -> Attachment:
    """File evidence with a complaint: only accepted types (by content), within the size
    limit; sealed at rest; on the timeline. Attachments are never removed. Staff with an
    interest in the complaint do not choose its evidence."""
    require_perm(actor, "complaints.add_complaint")
    staff = _handler(actor, complaint)
    errors: dict[str, str] = {}
    content_type = sniff(data[:16])
    if not data:
        errors["file"] = _("The file is empty.")
    elif len(data) > max_bytes():
        errors["file"] = _("The file is larger than %(mb)s MB.") % {
            "mb": f"{max_bytes() / 1024 / 1024:g}"
        }
    elif content_type is None:
        errors["file"] = _("Attach a %(kinds)s file.") % {"kinds": accepted_names()}
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
    if not name:
        errors["file"] = errors.get("file") or _("The file has no name.")
    if len(description) > 200:
        errors["description"] = _("At most 200 characters.")
    if errors:
        raise ValidationError(errors)
    attachment = Attachment.objects.create(
        complaint=complaint, filename=name, content_type=content_type, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), content=base64.b64encode(data).decode("ascii"),
        description=description.strip(), uploaded_by=staff,
    )  # fmt: skip
    _note(complaint, actor, TimelineEntry.Kind.NOTE, attachment=str(attachment.uuid),
          size=len(data), content_type=content_type)  # fmt: skip
    record(Action.CREATE, actor=actor, target=attachment, target_label=complaint.number)
    return attachment


def attachment_bytes(attachment: Attachment) -> bytes:
    return base64.b64decode(attachment.content)


@transaction.atomic
def do_classify(
    actor: Any,
    complaint: Complaint,
    *,
    expected_version: int,
    channel: Classification | None,
    business: Classification | None,
    cause: Classification | None,
    card_reason: Classification | None,
    priority: str,
    reason: str = "",
) -> Complaint:
    """Set (or correct) the complaint's JR/T 0169 codes and priority; the old and new codes
    are kept on the timeline."""
    require_perm(actor, "complaints.change_complaint")
    locked = _locked(actor, complaint, expected_version)
    _handler(actor, locked)
    errors: dict[str, str] = {}
    errors |= _classification(channel, Classification.Axis.CHANNEL, "channel")
    errors |= _classification(business, Classification.Axis.BUSINESS, "business")
    errors |= _classification(cause, Classification.Axis.CAUSE, "cause")
    errors |= _classification(card_reason, Classification.Axis.CARD_REASON, "card_reason")
    if card_reason is not None and (business is None or business.code != "03"):
        errors["card_reason"] = _("Sub-reasons apply to bank-card complaints only.")
    if priority not in Priority.values:
        errors["priority"] = _("Choose one of the listed priorities.")
    elif locked.is_major and priority != Priority.URGENT:
        errors["priority"] = _("A major complaint stays urgent.")
    if locked.state in FINAL_STATES:
        errors["state"] = _("This complaint is already finished.")
    if errors:
        raise ValidationError(errors)

    def codes(c: Complaint) -> dict[str, str]:
        return {
            "channel": c.channel.code if c.channel else "",
            "business": c.business.code if c.business else "",
            "cause": c.cause.code if c.cause else "",
            "card_reason": c.card_reason.code if c.card_reason else "",
            "priority": c.priority,
        }

    before = codes(locked)
    locked.channel, locked.business, locked.cause = channel, business, cause
    locked.card_reason, locked.priority = card_reason, priority
    after = codes(locked)
    if before == after:
        return locked
    _bump(locked, "channel", "business", "cause", "card_reason", "priority")
    _note(locked, actor, TimelineEntry.Kind.NOTE, reason, classified={"from": before, "to": after})
    return locked


# --- group and major complaints after registration ------------------------------------------


def _make_major(complaint: Complaint, actor: Any, reason: str) -> list[str]:
    """Mark the complaint major: urgent, escalated to head office now, and answered within
    the urgent targets where they are stricter than its own. Returns the fields changed."""
    now = timezone.now()
    complaint.is_major, complaint.major_reason = True, reason
    complaint.priority = Priority.URGENT
    complaint.escalation, complaint.escalated_at = Escalation.HEAD_OFFICE, now
    target = ServiceTarget.objects.filter(priority=Priority.URGENT).first()
    if target is not None:
        start = timezone.localtime(now)
        resolve_by = add_working_hours(start, target.resolution_hours, bank_overrides())
        if complaint.resolve_by is None or resolve_by < complaint.resolve_by:
            complaint.resolve_by = resolve_by
        respond_by = add_working_hours(start, target.first_response_hours, bank_overrides())
        if complaint.responded_at is None and (
            complaint.respond_by is None or respond_by < complaint.respond_by
        ):
            complaint.respond_by = respond_by
    _note(complaint, actor, TimelineEntry.Kind.ESCALATED, to="head_office", major=reason)
    return ["is_major", "major_reason", "priority", "escalation", "escalated_at",
            "resolve_by", "respond_by"]  # fmt: skip


@transaction.atomic
def do_change_group(
    actor: Any,
    complaint: Complaint,
    *,
    expected_version: int,
    co_complainants: int,
    representatives: int,
    reason: str = "",
) -> Complaint:
    """Correct who complains: the number of co-complainants and of their representatives
    (more customers join a complaint, a group turns out to be one person). A group of
    twenty or more becomes a major complaint, escalated to head office at once; a major
    complaint stays major when its group shrinks (only the reason is kept)."""
    require_perm(actor, "complaints.change_complaint")
    locked = _locked(actor, complaint, expected_version)
    _handler(actor, locked)
    errors = _group_errors(co_complainants, representatives)
    if locked.state in FINAL_STATES:
        errors["state"] = _("This complaint is already finished.")
    if errors:
        raise ValidationError(errors)
    before = [locked.co_complainants, locked.representatives]
    if before == [co_complainants, representatives]:
        return locked
    locked.co_complainants, locked.representatives = co_complainants, representatives
    locked.is_group = co_complainants > 0
    fields = ["co_complainants", "representatives", "is_group"]
    _note(locked, actor, TimelineEntry.Kind.NOTE, reason,
          group={"from": before, "to": [co_complainants, representatives]})  # fmt: skip
    if co_complainants >= MAJOR_CO_COMPLAINANTS and not locked.is_major:
        fields += _make_major(locked, actor, MajorReason.GROUP)
    _bump(locked, *fields)
    record(Action.CHANGE, actor=actor, target=locked, target_label=locked.number)
    return locked


@transaction.atomic
def do_mark_major(
    actor: Any, complaint: Complaint, *, expected_version: int, reason: str, note: str = ""
) -> Complaint:
    """Mark a registered complaint major (重大投诉) when that becomes known later: a disaster
    or public-health emergency behind it, the regulator's designation, or a group that
    reached twenty. It becomes urgent and is escalated to head office at once."""
    require_perm(actor, "complaints.change_complaint")
    locked = _locked(actor, complaint, expected_version)
    _handler(actor, locked)
    errors: dict[str, str] = {}
    if reason not in MajorReason.values:
        errors["reason"] = _("Choose one of the listed reasons.")
    elif reason == MajorReason.GROUP and locked.co_complainants < MAJOR_CO_COMPLAINANTS:
        errors["reason"] = _(
            "A group complaint is major from 20 co-complainants: correct the group first."
        )
    if locked.is_major:
        errors["state"] = _("This complaint is already a major complaint.")
    elif locked.state in FINAL_STATES:
        errors["state"] = _("This complaint is already finished.")
    if errors:
        raise ValidationError(errors)
    fields = _make_major(locked, actor, reason)
    if note.strip():
        _note(locked, actor, TimelineEntry.Kind.NOTE, note.strip())
    _bump(locked, *fields)
    record(Action.CHANGE, actor=actor, target=locked, target_label=locked.number)
    return locked
