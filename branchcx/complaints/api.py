"""API for complaints: list, exact search, the detail, intake with suggestions, and every step
of the workflow. Endpoints stay thin: fetch through ``access`` (404 outside the scope), check
the role (403), resolve the codes and colleagues the body names (422 if unknown), call one
action, and answer with the complaint as it now is, ``version`` included. Every answer that
carries the complaint in full (what the customer said, what the bank found) is an audit
event, recorded once by ``_detail``."""

# No `from __future__ import annotations` here: django-ninja builds its query and pagination
# models from the live annotations. Fixed paths (search, suggest) come before
# "/complaints/{uuid}", which would otherwise take them (and answer 405 to a POST).

from datetime import date
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from branchcx.audit.actions import Action, record
from branchcx.complaints import access, actions, queries, suggestions
from branchcx.complaints.intake import do_intake
from branchcx.complaints.models import (
    Classification,
    Complaint,
    Decision,
    Revisit,
    RootCause,
    TimelineEntry,
)
from branchcx.complaints.schemas import (
    ApproveIn,
    AssignIn,
    ClassifyIn,
    ComplaintCreatedOut,
    ComplaintDetailOut,
    ComplaintIn,
    ComplaintOut,
    ComplaintSearchIn,
    DecisionIn,
    ExtendIn,
    GroupIn,
    HandoverAnswerIn,
    HandoverIn,
    MajorIn,
    MergeIn,
    NotificationIn,
    PauseIn,
    RecuseIn,
    ResumeIn,
    RevisitIn,
    SuggestIn,
    SuggestionsOut,
    TransitionIn,
)
from branchcx.org.models import StaffProfile
from branchcx.org.scoping import require_perm

router = Router(tags=["complaints"])
SEARCH_LIMIT = 50
# Whoever serves customers receives complaints (and owns them first); officers and managers
# handle them. The actions check again; checking here answers 403 before the body's codes
# and colleagues are looked up.
RECEIVE = "complaints.add_complaint"
HANDLE = "complaints.change_complaint"
AXES = {
    "channel": Classification.Axis.CHANNEL,
    "business": Classification.Axis.BUSINESS,
    "cause": Classification.Axis.CAUSE,
    "card_reason": Classification.Axis.CARD_REASON,
}


class ComplaintFilter(Schema):
    state: str | None = None
    outlet: str | None = None
    owner: UUID | None = None
    business: str | None = None
    cause: str | None = None
    due: Literal["at_risk", "overdue"] | None = None
    received_from: date | None = None
    received_to: date | None = None


# --- reading -------------------------------------------------------------------------------


@router.get("/complaints", response=list[ComplaintOut])
@paginate
def list_complaints(request: HttpRequest, filters: Query[ComplaintFilter]) -> QuerySet[Complaint]:
    """Complaints of your scope, newest first; the complainant masked, no narrative."""
    complaints = access.complaints_for_user(request.user)
    exact = {
        "state": filters.state,
        "outlet__code": filters.outlet,
        "owner__uuid": filters.owner,
        "business__code": filters.business,
        "cause__code": filters.cause,
        "received_at__date__gte": filters.received_from,
        "received_at__date__lte": filters.received_to,
    }
    complaints = complaints.filter(**{k: v for k, v in exact.items() if v is not None})
    today = timezone.localdate()
    if filters.due == "at_risk":
        complaints = queries.due_soon(complaints, today)
    elif filters.due == "overdue":
        complaints = queries.overdue(complaints, today)
    return complaints.order_by("-received_at", "-pk")


@router.post("/complaints/search", response=list[ComplaintOut])
def search_complaints(request: HttpRequest, payload: ComplaintSearchIn) -> list[Complaint]:
    """Exact search by complaint number or customer number (at most 50, newest first). A POST,
    so that what is searched for never appears in URLs or logs."""
    found = access.complaints_for_user(request.user).filter(
        Q(number=payload.q) | Q(customer__customer_no=payload.q)
    )
    return list(found.order_by("-received_at", "-pk")[:SEARCH_LIMIT])


@router.post("/complaints/suggest", response=SuggestionsOut)
def suggest(request: HttpRequest, payload: SuggestIn) -> dict[str, Any]:
    """What the intake form may propose for what the customer said: business category, cause
    and priority, each with its confidence and source. Nothing is saved."""
    require_perm(request.user, RECEIVE)
    return suggestions.suggest(payload.narrative)


@router.get("/complaints/{uuid}", response=ComplaintDetailOut)
def get_complaint(request: HttpRequest, uuid: str) -> Complaint:
    """One complaint in full, with what the customer said. Every call is recorded in the
    audit log."""
    return _detail(request, uuid)


def _detail(request: HttpRequest, uuid: UUID | str) -> Complaint:
    """The complaint with everything the detail shows, in a fixed number of queries. The
    detail carries what the customer said and what the bank found, so every answer that
    holds it (a read, or a write answering with the complaint as it now is) is recorded in
    the audit log, once."""
    user = request.user
    complaint = access.get_complaint_for_user(user, uuid)
    record(
        Action.VIEW_PERSONAL, actor=user, target=complaint, target_label=complaint.number,
        request=request,
    )  # fmt: skip
    prefetch_related_objects(
        [complaint],
        "pauses",
        "notifications",
        "staff_involved",
        Prefetch(
            "timeline",
            queryset=TimelineEntry.objects.visible_to(user).select_related("actor__staff"),
        ),
        Prefetch(
            "decisions",
            queryset=Decision.objects.visible_to(user).select_related(
                "root_cause", "decided_by", "approved_by"
            ),
        ),
        Prefetch(
            "revisits", queryset=Revisit.objects.visible_to(user).select_related("assigned_to")
        ),
    )
    return complaint


# --- intake --------------------------------------------------------------------------------


@router.post("/complaints", response={201: ComplaintCreatedOut})
def register_complaint(request: HttpRequest, payload: ComplaintIn) -> Status:
    """Record a complaint as received; you own it (首问负责制). A complaint that may repeat
    an open one (the same customer, or the same complainant's phone) is refused (422 on
    ``file_anyway``) unless ``file_anyway`` says it is a different matter, as on the intake
    page; the answer then names those complaints. Codes and a priority are suggested from
    what the customer said, never applied."""
    user = request.user
    require_perm(user, RECEIVE)
    errors: dict[str, str] = {}
    outlet = access.intake_outlets(user).filter(code=payload.outlet).first()
    if outlet is None:
        errors["outlet"] = _("Choose an outlet within your scope.")
    customer = None
    if payload.customer is not None:
        try:
            customer = access.customer_for_intake(user, payload.customer)
        except Http404:
            errors["customer"] = _("Choose a customer within your scope.")
    codes, code_errors = _codes(
        channel=payload.channel,
        business=payload.business,
        cause=payload.cause,
        card_reason=payload.card_reason,
    )
    errors |= code_errors
    involved = []
    if outlet is not None:
        try:
            involved = [access.get_colleague(outlet, uuid) for uuid in payload.staff_involved]
        except Http404:
            errors["staff_involved"] = _("Name staff who work at the outlet or a unit above it.")
    if errors or outlet is None:
        raise ValidationError(errors)
    intake = do_intake(
        user,
        file_anyway=payload.file_anyway,
        outlet=outlet,
        intake_channel=payload.intake_channel,
        narrative=payload.narrative,
        customer=customer,
        complainant_name=payload.complainant_name,
        complainant_phone=payload.complainant_phone,
        received_at=payload.received_at,
        regulator_reference=payload.regulator_reference,
        channel=codes["channel"],
        business=codes["business"],
        cause=codes["cause"],
        card_reason=codes["card_reason"],
        priority=payload.priority,
        co_complainants=payload.co_complainants,
        representatives=payload.representatives,
        major_reason=payload.major_reason,
        staff_involved=involved,
    )
    return Status(
        201,
        {
            "complaint": _detail(request, intake.complaint.uuid),
            "duplicates": intake.duplicates,
            "suggestions": intake.suggestions,
        },
    )


def _codes(**given: str | None) -> tuple[dict[str, Classification | None], dict[str, str]]:
    """The classification codes named, each on its own axis; and an error for each unknown.
    (Whether a code is still in use is the action's rule.)"""
    wanted = [code for code in given.values() if code]
    known = {
        (c.axis, c.code): c for c in Classification.objects.filter(code__in=wanted)
    } if wanted else {}  # fmt: skip
    resolved: dict[str, Classification | None] = {}
    errors: dict[str, str] = {}
    for field, code in given.items():
        resolved[field] = known.get((AXES[field], code)) if code else None
        if code and resolved[field] is None:
            errors[field] = _("No such code on this axis.")
    return resolved, errors


def _colleague(complaint: Complaint, uuid: UUID, field: str) -> StaffProfile:
    """A colleague named in the body; someone unknown is the body's fault (422), not a
    missing page."""
    try:
        return access.get_colleague(complaint.outlet, uuid)
    except Http404:
        raise ValidationError(
            {field: _("Choose a colleague who works at the outlet or a unit above it.")}
        ) from None


def _handled(request: HttpRequest, uuid: str, permission: str = HANDLE) -> Complaint:
    """The complaint to act on: in the user's scope (else 404), and the role may act (else
    403)."""
    complaint = access.get_complaint_for_user(request.user, uuid)
    require_perm(request.user, permission)
    return complaint


# --- workflow ------------------------------------------------------------------------------


@router.post("/complaints/{uuid}/transitions", response=ComplaintDetailOut)
def transition(request: HttpRequest, uuid: str, payload: TransitionIn) -> Complaint:
    """Move the complaint on (accept, investigate, decide, notify, close, withdraw, review)."""
    complaint = _handled(request, uuid)
    actions.do_transition(
        request.user,
        complaint,
        payload.to_state,
        expected_version=payload.expected_version,
        reason=payload.reason,
        requested_on=payload.requested_on,
    )
    return _detail(request, uuid)


@router.post("/complaints/{uuid}/classify", response=ComplaintDetailOut)
def classify(request: HttpRequest, uuid: str, payload: ClassifyIn) -> Complaint:
    """Set or correct the JR/T 0169 codes and the priority; the old codes stay on the
    timeline."""
    complaint = _handled(request, uuid)
    codes, errors = _codes(
        channel=payload.channel,
        business=payload.business,
        cause=payload.cause,
        card_reason=payload.card_reason,
    )
    if errors:
        raise ValidationError(errors)
    actions.do_classify(
        request.user,
        complaint,
        expected_version=payload.expected_version,
        priority=payload.priority,
        reason=payload.reason,
        **codes,
    )
    return _detail(request, uuid)


@router.post("/complaints/{uuid}/group", response=ComplaintDetailOut)
def change_group(request: HttpRequest, uuid: str, payload: GroupIn) -> Complaint:
    """Correct the number of co-complainants and representatives; 20 or more co-complainants
    make the complaint major (urgent, escalated to head office)."""
    complaint = _handled(request, uuid)
    actions.do_change_group(
        request.user, complaint, expected_version=payload.expected_version,
        co_complainants=payload.co_complainants, representatives=payload.representatives,
        reason=payload.reason,
    )  # fmt: skip
    return _detail(request, uuid)


@router.post("/complaints/{uuid}/major", response=ComplaintDetailOut)
def mark_major(request: HttpRequest, uuid: str, payload: MajorIn) -> Complaint:
    """Mark a registered complaint major when that becomes known later: urgent and escalated
    to head office at once."""
    complaint = _handled(request, uuid)
    actions.do_mark_major(
        request.user, complaint, expected_version=payload.expected_version,
        reason=payload.reason, note=payload.note,
    )  # fmt: skip
    return _detail(request, uuid)


@router.post("/complaints/{uuid}/assign", response=ComplaintDetailOut)
def assign(request: HttpRequest, uuid: str, payload: AssignIn) -> Complaint:
    """Assign the handler by the rules (``handler`` null) or choose one, saying why."""
    complaint = _handled(request, uuid)
    handler = _colleague(complaint, payload.handler, "handler") if payload.handler else None
    actions.do_assign(
        request.user,
        complaint,
        expected_version=payload.expected_version,
        handler=handler,
        reason=payload.reason,
    )
    return _detail(request, uuid)


@router.post("/complaints/{uuid}/extend", response=ComplaintDetailOut)
def extend(request: HttpRequest, uuid: str, payload: ExtendIn) -> Complaint:
    """15 → 30 days (the outlet's manager), 30 → 60 (the level above); the customer told."""
    complaint = _handled(request, uuid)
    actions.do_extend(request.user, complaint, **payload.model_dump())
    return _detail(request, uuid)


@router.post("/complaints/{uuid}/pause", response=ComplaintDetailOut)
def pause(request: HttpRequest, uuid: str, payload: PauseIn) -> Complaint:
    """Stop the clock for external appraisal or testing, or for mediation."""
    complaint = _handled(request, uuid)
    actions.do_pause(request.user, complaint, **payload.model_dump())
    return _detail(request, uuid)


@router.post("/complaints/{uuid}/resume", response=ComplaintDetailOut)
def resume(request: HttpRequest, uuid: str, payload: ResumeIn) -> Complaint:
    complaint = _handled(request, uuid)
    actions.do_resume(request.user, complaint, **payload.model_dump())
    return _detail(request, uuid)


@router.post("/complaints/{uuid}/handover", response=ComplaintDetailOut)
def offer_handover(request: HttpRequest, uuid: str, payload: HandoverIn) -> Complaint:
    """Offer the complaint to a colleague; you stay its owner until they accept."""
    complaint = _handled(request, uuid, RECEIVE)
    to = _colleague(complaint, payload.to, "to")
    actions.do_offer_handover(
        request.user,
        complaint,
        to,
        expected_version=payload.expected_version,
        reason=payload.reason,
    )
    return _detail(request, uuid)


@router.post("/complaints/{uuid}/handover/answer", response=ComplaintDetailOut)
def answer_handover(request: HttpRequest, uuid: str, payload: HandoverAnswerIn) -> Complaint:
    """Accept the complaint offered to you (you become its owner) or decline, saying why."""
    complaint = _handled(request, uuid, RECEIVE)
    actions.do_answer_handover(request.user, complaint, **payload.model_dump())
    return _detail(request, uuid)


@router.post("/complaints/{uuid}/merge", response=ComplaintDetailOut)
def merge(request: HttpRequest, uuid: str, payload: MergeIn) -> Complaint:
    """Merge this re-filed complaint into the customer's open one; with new facts, the open
    one's clock starts again."""
    complaint = _handled(request, uuid)
    try:
        into = access.get_complaint_for_user(request.user, payload.into)
    except Http404:
        raise ValidationError({"into": _("Choose a complaint within your scope.")}) from None
    actions.do_merge(
        request.user,
        complaint,
        into,
        expected_version=payload.expected_version,
        new_facts=payload.new_facts,
    )
    return _detail(request, uuid)


@router.post("/complaints/{uuid}/recuse", response=ComplaintDetailOut)
def recuse(request: HttpRequest, uuid: str, payload: RecuseIn) -> Complaint:
    """Declare your direct interest (回避): you no longer handle or own the complaint."""
    complaint = _handled(request, uuid, RECEIVE)
    actions.do_recuse(request.user, complaint, **payload.model_dump())
    return _detail(request, uuid)


@router.post("/complaints/{uuid}/notifications", response={201: ComplaintDetailOut})
def record_notification(request: HttpRequest, uuid: str, payload: NotificationIn) -> Status:
    """Keep the proof of telling the customer: what, when, how and the reference. It adds a
    record without changing the complaint, but still carries the version read: a notice
    written against an older state of the complaint is a 409."""
    complaint = _handled(request, uuid)
    actions.do_record_notification(request.user, complaint, **payload.model_dump())
    return Status(201, _detail(request, uuid))


@router.post("/complaints/{uuid}/decisions", response={201: ComplaintDetailOut})
def record_decision(request: HttpRequest, uuid: str, payload: DecisionIn) -> Status:
    """Record the decision (or the review decision); large compensation waits for approval."""
    complaint = _handled(request, uuid)
    root_cause = RootCause.objects.filter(code=payload.root_cause).first()
    if root_cause is None:
        raise ValidationError({"root_cause": _("No such root cause.")})
    actions.do_record_decision(
        request.user,
        complaint,
        root_cause=root_cause,
        **payload.model_dump(exclude={"root_cause"}),
    )
    return Status(201, _detail(request, uuid))


@router.post("/complaints/{uuid}/decisions/{decision_id}/approve", response=ComplaintDetailOut)
def approve_decision(
    request: HttpRequest, uuid: str, decision_id: int, payload: ApproveIn
) -> Complaint:
    """A manager responsible for the outlet, not the decider, approves large compensation."""
    complaint = _handled(request, uuid)
    decision = access.get_decision_for_user(request.user, complaint, decision_id)
    actions.do_approve_decision(request.user, decision, expected_version=payload.expected_version)
    return _detail(request, uuid)


@router.post("/complaints/{uuid}/revisits/{revisit_id}", response=ComplaintDetailOut)
def record_revisit(
    request: HttpRequest, uuid: str, revisit_id: int, payload: RevisitIn
) -> Complaint:
    """Record the call-back after closing; an unsatisfied customer (2 or less) reopens it.
    A complaint changed since the version read is a 409."""
    complaint = _handled(request, uuid, RECEIVE)
    revisit = access.get_revisit_for_user(request.user, complaint, revisit_id)
    actions.do_record_revisit(request.user, revisit, **payload.model_dump())
    return _detail(request, uuid)
