"""Follow-ups: what staff did about an unhappy answer, and the complaint it became."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.audit.actions import Action, record
from branchcx.complaints.models import Complaint
from branchcx.lib.errors import ConflictError
from branchcx.org.access import own_staff_profile
from branchcx.org.scoping import require_perm
from branchcx.surveys.models import (
    FollowUp,
)

# --- follow-ups -----------------------------------------------------------------------------

CONTACT_METHODS = ("phone", "visit", "sms", "wechat", "letter")


@transaction.atomic
def do_record_follow_up(
    actor: Any,
    follow_up: FollowUp,
    *,
    expected_version: int,
    method: str,
    outcome: str,
    close: bool,
) -> FollowUp:
    """Record contacting the customer (or, for an anonymous answer, looking into it) and
    what came of it; closing ends the follow-up. A later record adds to the outcome: what
    was said before is kept."""
    require_perm(actor, "surveys.change_followup")
    locked = FollowUp.objects.visible_to(actor).select_for_update(of=("self",)).get(pk=follow_up.pk)
    if locked.version != expected_version:
        raise ConflictError
    errors: dict[str, str] = {}
    if locked.state == FollowUp.State.CLOSED:
        errors["__all__"] = _("This follow-up is closed.")
    if method not in CONTACT_METHODS:
        errors["method"] = _("Choose how the customer was contacted.")
    if not outcome.strip():
        errors["outcome"] = _("Write down what the customer said and what was agreed.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    entry = f"[{timezone.localtime(now):%Y-%m-%d %H:%M}] {outcome.strip()}"
    locked.outcome = f"{locked.outcome}\n{entry}" if locked.outcome else entry
    locked.contact_method = method
    locked.contacted_at = locked.contacted_at or now
    locked.state = FollowUp.State.CLOSED if close else FollowUp.State.CONTACTED
    locked.closed_at = now if close else None
    locked.assigned_to = locked.assigned_to or own_staff_profile(actor)
    locked.version += 1
    locked.save()
    record(Action.CHANGE, actor=actor, target=locked, target_label=str(locked.outlet),
           detail={"state": locked.state, "method": method})  # fmt: skip
    return locked


# --- follow-ups that became complaints -------------------------------------------------------


@transaction.atomic
def do_link_complaint(actor: Any, follow_up: FollowUp, complaint: Complaint) -> FollowUp:
    """Tie a complaint registered from a follow-up to it, so the follow-up shows where the
    matter went. Runs inside the complaint's registration: both are kept, or neither."""
    require_perm(actor, "surveys.change_followup")
    locked = FollowUp.objects.visible_to(actor).select_for_update(of=("self",)).get(pk=follow_up.pk)
    if locked.complaint_id is not None:
        raise ValidationError(_("A complaint was already registered from this follow-up."))
    if locked.customer_id is None or locked.customer_id != complaint.customer_id:
        raise ValidationError(_("The complaint is not about the customer who answered."))
    locked.complaint = complaint
    locked.version += 1
    locked.save(update_fields=["complaint", "version"])
    record(Action.CHANGE, actor=actor, target=locked, target_label=str(locked.outlet),
           detail={"complaint": complaint.number})  # fmt: skip
    return locked
