"""Shapes of the complaints API. Personal data is masked everywhere except the narrative, which
only the detail (and the answer to the one who just recorded it) carries."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator

from branchcx.complaints.clock import ClockState
from branchcx.complaints.models import (
    OPEN_STATES,
    Classification,
    Complaint,
    Decision,
    Escalation,
    Revisit,
    State,
    TimelineEntry,
)
from branchcx.lib import masking
from branchcx.lib.apischema import InputSchema
from branchcx.org.models import StaffProfile

NARRATIVE_MAX = 10_000  # a letter or a transcript of a call, in the customer's words
TEXT_MAX = 4000


def _local(value: datetime | None) -> datetime | None:
    """A time without an offset is a time in the bank's zone (Asia/Shanghai)."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


LocalDatetime = Annotated[datetime, AfterValidator(_local)]
Version = Annotated[int, Field(description="The version you read; a newer one answers 409.", ge=1)]


def _name(staff: StaffProfile | None) -> str | None:
    return staff.full_name if staff else None


# --- output --------------------------------------------------------------------------------


class CodeOut(Schema):
    """A classification code (JR/T 0169 axis) with its names."""

    code: str
    name: str
    name_en: str


class OutletRef(Schema):
    code: str
    name: str


class StaffRef(Schema):
    uuid: UUID
    name: str

    @staticmethod
    def resolve_name(obj: StaffProfile) -> str:
        return obj.full_name


class ComplaintRef(Schema):
    uuid: UUID
    number: str


class ComplaintOut(Schema):
    """A complaint as lists show it: no narrative, the complainant masked."""

    uuid: UUID
    number: str
    state: str
    state_label: str
    outlet: OutletRef
    received_at: datetime
    due_on: date | None = Field(None, description="The answer owed by this day; empty if none.")
    days_left: int | None = Field(None, description="Days to `due_on` (negative: overdue).")
    priority: str
    business: str | None = Field(None, description="Business category code")
    cause: str | None = Field(None, description="Cause code")
    customer_no: str | None
    complainant_name: str = Field(..., description="Masked.")
    complainant_phone: str = Field(..., description="Masked.")
    owner: str = Field(..., description="Full name of the owner (首问负责人)")
    handler: str | None = Field(None, description="Full name of the handler")
    escalation: int
    escalation_label: str
    is_major: bool
    version: int

    @staticmethod
    def resolve_state_label(obj: Complaint) -> str:
        return str(State(obj.state).label)

    @staticmethod
    def resolve_days_left(obj: Complaint) -> int | None:
        return (obj.due_on - timezone.localdate()).days if obj.due_on else None

    @staticmethod
    def resolve_business(obj: Complaint) -> str | None:
        return obj.business.code if obj.business else None

    @staticmethod
    def resolve_cause(obj: Complaint) -> str | None:
        return obj.cause.code if obj.cause else None

    @staticmethod
    def resolve_customer_no(obj: Complaint) -> str | None:
        return obj.customer.customer_no if obj.customer else None

    @staticmethod
    def resolve_complainant_name(obj: Complaint) -> str:
        # a customer filing for themselves is named by their customer record
        name = obj.complainant_name or (obj.customer.name if obj.customer else "")
        return masking.mask_name(name or "")

    @staticmethod
    def resolve_complainant_phone(obj: Complaint) -> str:
        return masking.mask_mobile(obj.complainant_phone or "")

    @staticmethod
    def resolve_owner(obj: Complaint) -> str:
        return obj.owner.full_name

    @staticmethod
    def resolve_handler(obj: Complaint) -> str | None:
        return _name(obj.handler)

    @staticmethod
    def resolve_escalation_label(obj: Complaint) -> str:
        return str(Escalation(obj.escalation).label)


class CustomerRef(Schema):
    uuid: UUID
    customer_no: str
    name: str = Field(..., description="Masked.")

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return masking.mask_name(obj.name or "")


class ClassificationOut(Schema):
    channel: CodeOut | None
    business: CodeOut | None
    cause: CodeOut | None
    card_reason: CodeOut | None


class PauseOut(Schema):
    reason: str
    started_on: date
    ended_on: date | None


class ClockOut(Schema):
    """The regulatory clock: 15 days from receipt (or from new facts), extended to 30 or 60,
    not counting pauses for appraisal or mediation."""

    started_on: date
    allowed_days: int
    running: bool = Field(..., description="False once the decision is no longer owed.")
    paused: bool
    state: ClockState | None = Field(None, description="Empty when the clock is not running.")
    deadline: date | None
    days_left: int | None
    pauses: list[PauseOut]


class TargetsOut(Schema):
    """The bank's internal service targets (stricter than the regulation)."""

    respond_by: datetime | None
    resolve_by: datetime | None
    responded_at: datetime | None


class PeopleOut(Schema):
    received_by: StaffRef
    owner: StaffRef
    pending_owner: StaffRef | None = Field(None, description="Offered, not yet accepted")
    handler: StaffRef | None
    staff_involved: list[StaffRef]


class TimelineOut(Schema):
    at: datetime
    actor: str | None = Field(None, description="Full name; empty for the system")
    kind: str
    kind_label: str
    from_state: str
    to_state: str
    text: str
    detail: dict[str, Any]

    @staticmethod
    def resolve_actor(obj: TimelineEntry) -> str | None:
        staff = getattr(obj.actor, "staff", None) if obj.actor else None
        return staff.full_name if staff else None

    @staticmethod
    def resolve_kind_label(obj: TimelineEntry) -> str:
        return str(TimelineEntry.Kind(obj.kind).label)


class DecisionOut(Schema):
    id: int
    kind: str
    outcome: str
    findings: str
    basis: str
    root_cause: str = Field(..., description="Root cause code")
    root_cause_note: str
    remedy: str
    compensation: Decimal
    recovery_actions: str
    decided_by: str
    decided_at: datetime
    needs_approval: bool
    approved: bool = Field(..., description="Final: needs no approval, or approved")
    approved_by: str | None
    approved_at: datetime | None

    @staticmethod
    def resolve_root_cause(obj: Decision) -> str:
        return obj.root_cause.code

    @staticmethod
    def resolve_decided_by(obj: Decision) -> str:
        return obj.decided_by.full_name

    @staticmethod
    def resolve_approved(obj: Decision) -> bool:
        return obj.is_final

    @staticmethod
    def resolve_approved_by(obj: Decision) -> str | None:
        return _name(obj.approved_by)


class NotificationOut(Schema):
    kind: str
    method: str
    sent_at: datetime
    proof: str


class RevisitOut(Schema):
    id: int
    due_on: date
    assigned_to: str
    done_at: datetime | None
    method: str
    satisfaction: int | None
    note: str

    @staticmethod
    def resolve_assigned_to(obj: Revisit) -> str:
        return obj.assigned_to.full_name


class ComplaintDetailOut(ComplaintOut):
    """One complaint, in full: what the customer said, the clock, the people, the timeline,
    the decisions and the proof of telling the customer."""

    customer: CustomerRef | None
    intake_channel: str
    regulator_reference: str
    narrative: str
    classification: ClassificationOut
    clock: ClockOut
    targets: TargetsOut
    people: PeopleOut
    escalated_at: datetime | None
    is_group: bool
    co_complainants: int
    representatives: int
    major_reason: str
    merged_into: ComplaintRef | None
    timeline: list[TimelineOut]
    decisions: list[DecisionOut]
    notifications: list[NotificationOut]
    revisits: list[RevisitOut]

    @staticmethod
    def resolve_classification(obj: Complaint) -> dict[str, Classification | None]:
        return {
            "channel": obj.channel,
            "business": obj.business,
            "cause": obj.cause,
            "card_reason": obj.card_reason,
        }

    @staticmethod
    def resolve_clock(obj: Complaint) -> dict[str, Any]:
        today = timezone.localdate()
        clock = obj.clock
        running = obj.state in OPEN_STATES
        return {
            "started_on": clock.started_on,
            "allowed_days": clock.allowed_days,
            "running": running,
            "paused": clock.is_paused,
            "state": clock.state(today) if running else None,
            "deadline": clock.deadline(today) if running else None,
            "days_left": clock.days_left(today) if running else None,
            "pauses": list(clock.pauses),
        }

    @staticmethod
    def resolve_targets(obj: Complaint) -> Complaint:
        return obj

    @staticmethod
    def resolve_people(obj: Complaint) -> dict[str, Any]:
        return {
            "received_by": obj.received_by,
            "owner": obj.owner,
            "pending_owner": obj.pending_owner,
            "handler": obj.handler,
            "staff_involved": list(obj.staff_involved.all()),
        }

    @staticmethod
    def resolve_timeline(obj: Complaint) -> list[TimelineEntry]:
        return list(obj.timeline.all())

    @staticmethod
    def resolve_decisions(obj: Complaint) -> list[Decision]:
        return list(obj.decisions.all())

    @staticmethod
    def resolve_notifications(obj: Complaint) -> list[Any]:
        return list(obj.notifications.all())

    @staticmethod
    def resolve_revisits(obj: Complaint) -> list[Revisit]:
        return list(obj.revisits.all())


class AlternativeOut(Schema):
    label: str
    confidence: float


class SuggestionOut(Schema):
    """A suggestion for staff to accept or ignore; never applied by itself."""

    label: str = Field(..., description="A code (business, cause) or a priority")
    confidence: float = Field(..., description="0 to 1")
    alternatives: list[AlternativeOut]
    source: str = Field(..., description='"model" (trained on our complaints) or "lexicon"')

    @staticmethod
    def resolve_alternatives(obj: Any) -> list[dict[str, Any]]:
        return [{"label": label, "confidence": score} for label, score in obj.alternatives]


class SuggestionsOut(Schema):
    business: SuggestionOut | None
    cause: SuggestionOut | None
    priority: SuggestionOut | None


class ComplaintCreatedOut(Schema):
    complaint: ComplaintDetailOut
    duplicates: list[ComplaintOut] = Field(
        ..., description="The customer's other open complaints: merge instead of handling twice."
    )
    suggestions: SuggestionsOut


# --- input ---------------------------------------------------------------------------------

Code = Annotated[str | None, Field(max_length=16)]


class ComplaintIn(InputSchema):
    outlet: str = Field(..., description="Outlet code", max_length=12)
    intake_channel: str
    narrative: str = Field(..., min_length=1, max_length=NARRATIVE_MAX)
    customer: UUID | None = None
    complainant_name: str = Field("", max_length=50)
    complainant_phone: str = Field("", max_length=30)
    received_at: LocalDatetime | None = None
    regulator_reference: str = Field("", max_length=60)
    channel: Code = None
    business: Code = None
    cause: Code = None
    card_reason: Code = None
    priority: str = "normal"
    co_complainants: int = 0
    representatives: int = 0
    major_reason: str = ""
    staff_involved: list[UUID] = Field(default_factory=list, max_length=20)
    file_anyway: bool = Field(
        False, description="The complainant has an open complaint and this is another matter."
    )


class ComplaintSearchIn(InputSchema):
    q: str = Field(
        ..., min_length=1, max_length=32, description="Complaint number or customer number."
    )


class SuggestIn(InputSchema):
    narrative: str = Field(..., min_length=1, max_length=NARRATIVE_MAX)


class TransitionIn(InputSchema):
    to_state: str
    expected_version: Version
    reason: str = Field("", max_length=TEXT_MAX)
    # for a review request: the day the customer asked (default today)
    requested_on: date | None = None


class ClassifyIn(InputSchema):
    """Every code is given (null clears it), so that a forgotten field never clears one."""

    channel: str | None = Field(..., max_length=16)
    business: str | None = Field(..., max_length=16)
    cause: str | None = Field(..., max_length=16)
    card_reason: str | None = Field(..., max_length=16)
    priority: str
    expected_version: Version
    reason: str = Field("", max_length=TEXT_MAX)


class GroupIn(InputSchema):
    co_complainants: int = Field(..., ge=0, description="Besides the complainant")
    representatives: int = Field(..., ge=0, le=5)
    reason: str = Field("", max_length=TEXT_MAX)
    expected_version: Version


class MajorIn(InputSchema):
    reason: str = Field(..., description="group, disaster, public_health or regulator")
    note: str = Field("", max_length=TEXT_MAX)
    expected_version: Version


class AssignIn(InputSchema):
    handler: UUID | None = Field(None, description="A colleague; null: by the assignment rules")
    reason: str = Field("", max_length=TEXT_MAX)
    expected_version: Version


class ExtendIn(InputSchema):
    expected_version: Version
    reason: str = Field(..., max_length=TEXT_MAX)
    customer_told_via: str = Field(..., description="letter, sms, email or phone")
    proof: str = Field(..., max_length=120)


class PauseIn(InputSchema):
    expected_version: Version
    reason: str = Field(..., description="appraisal or mediation")
    on: date | None = None
    note: str = Field("", max_length=TEXT_MAX)


class ResumeIn(InputSchema):
    expected_version: Version
    on: date | None = None


class HandoverIn(InputSchema):
    to: UUID = Field(..., description="The colleague offered the complaint")
    expected_version: Version
    reason: str = Field(..., max_length=TEXT_MAX)


class HandoverAnswerIn(InputSchema):
    accept: bool
    expected_version: Version
    reason: str = Field("", max_length=TEXT_MAX)


class MergeIn(InputSchema):
    into: UUID = Field(..., description="The open complaint this one repeats")
    new_facts: bool
    expected_version: Version


class RecuseIn(InputSchema):
    expected_version: Version
    reason: str = Field(..., max_length=TEXT_MAX)


class NotificationIn(InputSchema):
    expected_version: Version
    kind: str = Field(..., description="decision, extension or review")
    method: str = Field(..., description="letter, sms, email or phone")
    content: str = Field(..., max_length=TEXT_MAX)
    proof: str = Field(..., max_length=120)
    sent_at: LocalDatetime | None = None


class DecisionIn(InputSchema):
    expected_version: Version
    outcome: str = Field(..., description="upheld, partly or rejected")
    findings: str = Field(..., max_length=TEXT_MAX)
    basis: str = Field(..., max_length=TEXT_MAX)
    root_cause: str = Field(..., description="Root cause code", max_length=16)
    remedy: str = Field(..., max_length=TEXT_MAX)
    compensation: Decimal = Field(Decimal("0"), max_digits=12, decimal_places=2)
    root_cause_note: str = Field("", max_length=TEXT_MAX)
    recovery_actions: str = Field("", max_length=TEXT_MAX)


class ApproveIn(InputSchema):
    expected_version: Version


class RevisitIn(InputSchema):
    expected_version: Version
    method: str = Field(..., description="phone, visit, sms or wechat")
    satisfaction: int = Field(..., description="1 (very dissatisfied) to 5 (very satisfied)")
    note: str = Field(..., max_length=TEXT_MAX)
