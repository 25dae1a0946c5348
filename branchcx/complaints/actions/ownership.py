"""Who holds a complaint: first-contact ownership and hand-over (首问负责制), assignment by the
rules, the escalation sweep and recusal (回避)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.complaints.actions.common import (
    MANAGERS,
    _bump,
    _check_not_interested,
    _handler,
    _locked,
    _note,
    _staff,
    interested_staff_ids,
    serves,
)
from branchcx.complaints.models import (
    FINAL_STATES,
    OPEN_STATES,
    AssignmentRule,
    Complaint,
    Escalation,
    Recusal,
    TimelineEntry,
)
from branchcx.org.models import StaffProfile, ancestor_paths
from branchcx.org.scoping import require_perm

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
