"""Shapes of the surveys API. Customers are masked everywhere; an anonymous response carries no
customer at all (not even an empty reference to one), and an invitation never shows its token
or the token's hash. Comments appear only in a response's detail, which is audited."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from django.utils import timezone
from ninja import Field, Schema

from branchcx.lib import masking
from branchcx.lib.apischema import InputSchema
from branchcx.surveys.models import Invitation, Response, Survey

# --- references ------------------------------------------------------------------------------


class SurveyRef(Schema):
    uuid: UUID
    code: str
    name: str


class OutletRef(Schema):
    code: str
    name: str


class CustomerRef(Schema):
    uuid: UUID
    customer_no: str
    name: str = Field(..., description="Masked.")

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return masking.mask_name(obj.name or "")


# --- surveys ---------------------------------------------------------------------------------


class SurveyOut(Schema):
    uuid: UUID
    code: str
    kind: str
    name: str
    name_en: str
    status: str
    status_label: str
    allow_anonymous: bool
    invitation_days: int
    current_version: int | None = Field(
        None, description="The published version new respondents answer; empty if none."
    )

    @staticmethod
    def resolve_status_label(obj: Survey) -> str:
        return str(Survey.Status(obj.status).label)


class SurveyDetailOut(SurveyOut):
    definition: dict[str, Any] | None = Field(
        None, description="The current version's questionnaire (see surveys/definition.py)."
    )


# --- invitations -----------------------------------------------------------------------------

InvitationState = Literal["answered", "open", "expired"]


def invitation_state(invitation: Invitation) -> str:
    if invitation.used_on is not None:
        return "answered"
    return "expired" if invitation.expires_at <= timezone.now() else "open"


class InvitationOut(Schema):
    """An invitation as staff see it: who, where, how and whether it was answered. The link's
    token exists only in the message sent."""

    uuid: UUID
    survey: SurveyRef
    customer: CustomerRef
    outlet: OutletRef
    trigger: str
    channel: str
    created_at: datetime
    expires_at: datetime
    state: InvitationState

    @staticmethod
    def resolve_state(obj: Invitation) -> str:
        return invitation_state(obj)


class InvitationIn(InputSchema):
    survey: str = Field(..., description="The survey's code or UUID.", max_length=40)
    customer: UUID
    channel: Literal["sms", "email", "printed"]
    outlet: str | None = Field(
        None,
        description="The outlet inviting (its code); by default your own outlet, else the "
        "customer's home outlet.",
        max_length=20,
    )


class InvitationCreatedOut(Schema):
    invitation: InvitationOut
    queued: bool = Field(..., description="Whether an SMS or email was queued to the customer.")
    link: str | None = Field(
        None,
        description="For a printed invitation only: the one-time link to hand over. It is "
        "shown this once and kept nowhere.",
    )


# --- responses -------------------------------------------------------------------------------


class FollowUpRef(Schema):
    uuid: UUID
    state: str
    due_at: datetime


class ResponseOut(Schema):
    """A response as lists show it: the headline answers, no comments, the customer masked and
    only when the response is identified."""

    uuid: UUID
    survey: SurveyRef
    version: int
    outlet: OutletRef
    source: str
    answered_on: date
    is_anonymous: bool
    customer: CustomerRef | None = Field(None, description="Never present when anonymous.")
    nps: int | None
    csat: int | None
    ces: int | None
    overall: int | None
    follow_up: FollowUpRef | None = None

    @staticmethod
    def resolve_version(obj: Response) -> int:
        return obj.survey_version.number

    @staticmethod
    def resolve_answered_on(obj: Response) -> date | None:
        return obj.submitted_on

    @staticmethod
    def resolve_customer(obj: Response) -> Any:
        # Belt and braces: the model's constraint already keeps an anonymous response nameless.
        return None if obj.is_anonymous else obj.customer

    @staticmethod
    def resolve_follow_up(obj: Response) -> Any:
        return getattr(obj, "follow_up", None)


class AnswerOut(Schema):
    question_key: str
    question: str = Field(..., description="The wording the respondent read.")
    role: str
    dimension: str
    number: int | None
    choices: list[str] = Field(..., description="The chosen options' labels.")
    text: str = Field(..., description="A comment, as written.")


class DimensionOut(Schema):
    dimension: str
    expectation: float | None
    perception: float | None
    gap: float | None
    adequate: float | None
    desired: float | None
    importance: float | None


class ResponseDetailOut(ResponseOut):
    contact_name: str = Field("", description="Masked; a lobby respondent who asked to be called.")
    contact_mobile: str = Field("", description="Masked.")
    answers: list[AnswerOut]
    dimensions: list[DimensionOut]

    @staticmethod
    def resolve_answers(obj: Response) -> Any:
        return obj.answers_out  # type: ignore[attr-defined]

    @staticmethod
    def resolve_dimensions(obj: Response) -> Any:
        return obj.dimensions_out  # type: ignore[attr-defined]

    @staticmethod
    def resolve_contact_name(obj: Response) -> str:
        return masking.mask_name(obj.contact_name or "")

    @staticmethod
    def resolve_contact_mobile(obj: Response) -> str:
        return masking.mask_mobile(obj.contact_mobile or "")


# --- scores ----------------------------------------------------------------------------------

Grouping = Literal["network", "branch", "outlet", "month", "quarter", "tier", "segment"]


class NpsOut(Schema):
    score: float | None
    se: float | None
    low: float | None
    high: float | None
    n: int


class CsatOut(Schema):
    score: float | None = Field(..., description="Per cent answering 4 or 5 of 5.")
    low: float | None
    high: float | None
    n: int


class CesOut(Schema):
    mean: float | None
    se: float | None
    low: float | None
    high: float | None
    n: int


class DimensionScoresOut(DimensionOut):
    n: int


class GroupScoresOut(Schema):
    key: str | None = Field(
        None, description="The group's code: unit or tier code, a period's first day, segment."
    )
    label: str
    n: int
    small_sample: bool
    nps: NpsOut
    csat: CsatOut
    ces: CesOut
    dimensions: list[DimensionScoresOut]
    servqual: float | None
    servqual_weighted: float | None
    servperf: float | None


class ScoresOut(Schema):
    by: str
    start: date | None
    end: date | None
    as_of: datetime | None  # when the stored figures were last updated (None: never built)
    counted_now: bool  # some or all of the figures were counted at the request
    groups: list[GroupScoresOut]
