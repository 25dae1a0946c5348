"""What is recorded for a complaint: telling the customer, decisions and their approval, the
revisit (回访), evidence and the classification."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.audit.actions import Action, record
from branchcx.complaints.actions.common import (
    MANAGERS,
    UNSATISFIED,
    _bump,
    _check_not_interested,
    _classification,
    _handler,
    _locked,
    _note,
    _restart_clock,
    _staff,
    above,
    serves,
)
from branchcx.complaints.files import accepted_names, max_bytes, sniff
from branchcx.complaints.models import (
    FINAL_STATES,
    Attachment,
    Classification,
    Complaint,
    Decision,
    Notification,
    Priority,
    Revisit,
    RootCause,
    State,
    TimelineEntry,
)
from branchcx.org.scoping import require_perm

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
