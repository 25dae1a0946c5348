"""Scoped getters for complaints: the only way views and endpoints fetch complaint data.

Each getter answers 404 for anything outside the user's scope (whether or not it exists
elsewhere) and 403 when the role may not see complaints at all.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from branchcx.complaints.models import (
    OPEN_STATES,
    Attachment,
    Complaint,
    Decision,
    Grievance,
    Revisit,
)
from branchcx.customers.models import Customer
from branchcx.org.models import Branch, StaffProfile, ancestor_paths
from branchcx.org.scoping import get_in_scope, require_perm

VIEW = "complaints.view_complaint"
DETAIL_RELATED = (
    "outlet", "customer", "owner", "handler", "pending_owner", "received_by", "channel",
    "business", "cause", "card_reason", "merged_into",
)  # fmt: skip


def complaints_for_user(user: Any) -> QuerySet[Complaint]:
    require_perm(user, VIEW)
    return Complaint.objects.visible_to(user).select_related(
        "outlet", "customer", "owner", "handler", "business", "cause"
    )


def get_complaint_for_user(user: Any, complaint_uuid: UUID | str) -> Complaint:
    """One complaint of the user's scope; 404 for any other (even if it exists elsewhere)."""
    complaint: Complaint = get_in_scope(
        Complaint.objects.select_related(*DETAIL_RELATED), user, uuid=complaint_uuid
    )
    require_perm(user, VIEW)
    return complaint


def get_decision_for_user(user: Any, complaint: Complaint, decision_id: int | str) -> Decision:
    decision: Decision = get_in_scope(
        Decision.objects.select_related("complaint", "root_cause", "decided_by", "approved_by"),
        user,
        pk=decision_id,
        complaint=complaint,
    )
    require_perm(user, VIEW)
    return decision


def get_revisit_for_user(user: Any, complaint: Complaint, revisit_id: int | str) -> Revisit:
    revisit: Revisit = get_in_scope(
        Revisit.objects.select_related("complaint", "assigned_to"),
        user,
        pk=revisit_id,
        complaint=complaint,
    )
    require_perm(user, VIEW)
    return revisit


def revisits_for_user(user: Any) -> QuerySet[Revisit]:
    require_perm(user, VIEW)
    return Revisit.objects.visible_to(user).select_related("complaint", "assigned_to")


def get_attachment_for_user(user: Any, complaint: Complaint, uuid: UUID | str) -> Attachment:
    attachment: Attachment = get_in_scope(
        Attachment.objects.select_related("uploaded_by"), user, uuid=uuid, complaint=complaint
    )
    require_perm(user, VIEW)
    return attachment


def grievances_for_user(user: Any) -> QuerySet[Grievance]:
    require_perm(user, VIEW)
    return Grievance.objects.visible_to(user).select_related(
        "outlet", "customer", "recorded_by", "promoted_to"
    )


def get_grievance_for_user(user: Any, grievance_uuid: UUID | str) -> Grievance:
    grievance: Grievance = get_in_scope(
        Grievance.objects.select_related("outlet", "customer", "promoted_to"),
        user,
        uuid=grievance_uuid,
    )
    require_perm(user, VIEW)
    return grievance


def open_complaints_of(user: Any, customer: Customer) -> QuerySet[Complaint]:
    """The customer's complaints still awaiting a decision, within the user's scope: the
    duplicate warning at intake, and the candidates to merge a re-filed complaint into."""
    return complaints_for_user(user).filter(customer=customer, state__in=OPEN_STATES)


def open_complaints_at_intake(
    user: Any, customer: Customer | None, phone: str = ""
) -> QuerySet[Complaint]:
    """The open complaints, within the user's scope, that a new complaint may repeat: the
    customer's, and — for a walk-in complainant too — those filed with the same phone number
    or by the customer whose mobile it is (matched through the blind indexes)."""
    same = Q(pk__in=[])
    if customer is not None:
        same |= Q(customer=customer)
    if phone.strip():
        same |= Q(complainant_phone_index=Complaint._meta.get_field(
            "complainant_phone_index").index_for(phone))  # fmt: skip
        try:
            mobile = Customer._meta.get_field("mobile_index").index_for(phone)
        except ValueError:  # not a mobile number: no customer has it as theirs
            pass
        else:
            same |= Q(customer__mobile_index=mobile)
    return complaints_for_user(user).filter(same, state__in=OPEN_STATES).order_by("received_at")


def customer_for_intake(user: Any, customer_uuid: UUID | str) -> Customer:
    """The customer a complaint is filed for: one of the user's scope (else 404)."""
    from branchcx.customers.access import get_customer_for_user

    return get_customer_for_user(user, customer_uuid)


def intake_outlets(user: Any) -> QuerySet[Branch]:
    """The outlets where the user may register a complaint (their scope's outlets)."""
    return Branch.objects.visible_to(user).filter(level=Branch.Level.OUTLET, is_active=True)


def colleagues_serving(outlet: Branch) -> QuerySet[StaffProfile]:
    """Active staff who work at the outlet or at a unit above it: those a complaint can be
    handed over or assigned to, and those it can be about. A teller does not otherwise see
    the branch above; the outlet's chain of units is not a secret to them."""
    return (
        StaffProfile.objects.filter(is_active=True, branch__path__in=ancestor_paths(outlet.path))
        .select_related("branch", "user")
        .order_by("branch__path", "full_name")
    )


def get_colleague(outlet: Branch, staff_uuid: UUID | str) -> StaffProfile:
    """One colleague serving the outlet (see ``colleagues_serving``); 404 for anyone else."""
    try:
        return colleagues_serving(outlet).get(uuid=staff_uuid)
    except (StaffProfile.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404 from None


def staff_names(ids: set[int]) -> dict[int, str]:
    """Names of the staff a complaint's timeline mentions (hand-overs, assignments); they
    may work above the reader's unit, and their names are no secret to the reader."""
    if not ids:
        return {}
    return dict(StaffProfile.objects.filter(pk__in=ids).values_list("pk", "full_name"))


def last_presentation(customer: Customer) -> str:
    """How the customer presented at their latest contact ("" if never contacted)."""
    from branchcx.customers.queries import last_contact

    last = last_contact(customer)
    return str(last["presentation"]) if last else ""
