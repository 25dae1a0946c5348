"""Registering complaints and grievances (抱怨), and what a registration may learn later: the
group's size and representatives, and that the complaint is major (重大投诉)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.audit.actions import Action, record
from branchcx.complaints.actions.common import (
    MAJOR_CO_COMPLAINANTS,
    MAX_REPRESENTATIVES,
    _bump,
    _classification,
    _handler,
    _locked,
    _note,
    _staff,
    due_on,
    serves,
)
from branchcx.complaints.models import (
    FINAL_STATES,
    Classification,
    Complaint,
    Escalation,
    Grievance,
    IntakeChannel,
    MajorReason,
    Priority,
    ServiceTarget,
    State,
    TimelineEntry,
)
from branchcx.customers.models import Customer
from branchcx.lib.errors import ConflictError
from branchcx.lib.workdays import add_working_hours
from branchcx.org.calendar import bank_overrides
from branchcx.org.models import Branch, StaffProfile
from branchcx.org.scoping import require_perm, scope_path


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
