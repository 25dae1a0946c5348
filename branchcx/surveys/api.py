"""API for surveys: the questionnaires, invitations (listed, and sent by hand), the responses
(listed with their headline answers; one in full, audited) and the scores by unit, period,
tier or segment. Endpoints stay thin: fetch through ``access`` (404 outside the scope), check
the role (403), resolve what the query or body names (422 if unknown), call one action or
query.

An anonymous response is never tied to a customer here: it has none, and filtering by
customer finds only identified responses."""

# No `from __future__ import annotations` here: django-ninja builds its query and pagination
# models from the live annotations. Fixed paths (surveys/scores) come before
# "/surveys/{uuid}", which would otherwise take them.

from datetime import date
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Max, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from branchcx.audit.actions import Action, record
from branchcx.customers.access import get_customer_for_user
from branchcx.org.access import own_staff_profile
from branchcx.org.models import Branch
from branchcx.org.scoping import require_perm
from branchcx.surveys import access, actions, queries
from branchcx.surveys.models import Invitation, Response, Survey
from branchcx.surveys.schemas import (
    Grouping,
    InvitationCreatedOut,
    InvitationIn,
    InvitationOut,
    ResponseDetailOut,
    ResponseOut,
    ScoresOut,
    SurveyDetailOut,
    SurveyOut,
)

router = Router(tags=["surveys"])


def _survey_filter(reference: str | None) -> Survey | None:
    """The survey a query names, or 422: a filter naming nothing must not widen the answer."""
    if not reference:
        return None
    try:
        return access.find_survey(reference)
    except Http404:
        raise ValidationError({"survey": _("No such survey.")}) from None


def _unit_filter(user: Any, code: str | None, *, outlet_only: bool = False) -> Branch | None:
    """The unit of the user's scope a query names, or 422 (the same for one that does not
    exist and one outside the scope)."""
    if not code:
        return None
    units = Branch.objects.visible_to(user).filter(code=code)
    if outlet_only:
        units = units.filter(level=Branch.Level.OUTLET)
    unit = units.first()
    if unit is None:
        field = "outlet" if outlet_only else "unit"
        raise ValidationError({field: _("Choose a unit within your scope.")})
    return unit


def _period(start: date | None, end: date | None) -> None:
    if start and end and start > end:
        raise ValidationError({"end": _("The end of the period comes before its start.")})


# --- questionnaires --------------------------------------------------------------------------


def _surveys() -> QuerySet[Survey]:
    return Survey.objects.annotate(
        current_version=Max("versions__number", filter=Q(versions__published_at__isnull=False))
    ).order_by("code")


@router.get("/surveys", response=list[SurveyOut])
@paginate
def list_surveys(request: HttpRequest) -> QuerySet[Survey]:
    """Every questionnaire of the network with its status and current version."""
    require_perm(request.user, "surveys.view_survey")
    return _surveys()


# --- scores ----------------------------------------------------------------------------------


class ScoresQuery(Schema):
    by: Grouping = "network"
    start: date | None = None
    end: date | None = None
    survey: str | None = None  # code or UUID
    unit: str | None = None  # a branch or outlet code of your scope


@router.get("/surveys/scores", response=ScoresOut)
def survey_scores(request: HttpRequest, filters: Query[ScoresQuery]) -> dict[str, Any]:
    """Scores of the submitted answers in your scope, per group: the number of responses,
    whether that is a small sample, NPS with its standard error and interval, CSAT and CES
    with theirs, each SERVQUAL dimension's expectation, perception, gap, adequate and
    desired levels and importance, and the SERVQUAL (unweighted and weighted) and SERVPERF
    scores. See docs/scores.md for the definitions."""
    user = request.user
    require_perm(user, "surveys.view_scores")
    _period(filters.start, filters.end)
    selection = queries.Selection(
        user=user,
        start=filters.start,
        end=filters.end,
        survey=_survey_filter(filters.survey),
        unit=_unit_filter(user, filters.unit),
    )
    reading = queries.read(selection)
    groups = queries.scores(selection, filters.by, reading)
    codes = queries.group_codes(filters.by, [g.key for g in groups])
    fresh = reading.freshness
    return {
        "by": filters.by,
        "start": filters.start,
        "end": filters.end,
        "as_of": fresh.as_of,
        "counted_now": fresh.live or fresh.partly_live,
        "groups": [
            {
                "key": "all" if filters.by == "network" else codes.get(g.key),
                "label": g.label,
                "n": g.n,
                "small_sample": g.is_small_sample,
                "nps": g.nps,
                "csat": g.csat,
                "ces": g.ces,
                "dimensions": [
                    {
                        "dimension": d.dimension,
                        "n": d.n,
                        "expectation": d.expectation,
                        "perception": d.perception,
                        "gap": d.gap,
                        "adequate": d.adequate,
                        "desired": d.desired,
                        "importance": d.importance,
                    }
                    for d in g.dimensions.values()
                ],
                "servqual": g.servqual,
                "servqual_weighted": g.servqual_weighted,
                "servperf": g.servperf,
            }
            for g in groups
        ],
    }


@router.get("/surveys/{uuid}", response=SurveyDetailOut)
def get_survey(request: HttpRequest, uuid: str) -> Survey:
    """One questionnaire with its current version's definition (the wording respondents see)."""
    require_perm(request.user, "surveys.view_survey")
    try:
        survey = _surveys().filter(uuid=UUID(uuid)).first()
    except ValueError:  # a malformed id is not found, like any other
        survey = None
    if survey is None:
        raise Http404
    current = survey.current()
    survey.definition = current.definition if current else None  # type: ignore[attr-defined]
    return survey


# --- invitations -----------------------------------------------------------------------------


class InvitationFilter(Schema):
    survey: str | None = None  # code or UUID
    customer: UUID | None = None
    outlet: str | None = None
    trigger: Literal["manual", "queue_visit", "complaint_closed", "transaction"] | None = None
    state: Literal["answered", "open", "expired"] | None = None


@router.get("/invitations", response=list[InvitationOut])
@paginate
def list_invitations(
    request: HttpRequest, filters: Query[InvitationFilter]
) -> QuerySet[Invitation]:
    """Invitations of your scope, newest first, the customer masked; never the link."""
    invitations = access.invitations_for_user(request.user)
    survey = _survey_filter(filters.survey)
    if survey is not None:
        invitations = invitations.filter(survey=survey)
    if filters.customer is not None:
        invitations = invitations.filter(customer__uuid=filters.customer)
    outlet = _unit_filter(request.user, filters.outlet, outlet_only=True)
    if outlet is not None:
        invitations = invitations.filter(outlet=outlet)
    if filters.trigger:
        invitations = invitations.filter(trigger=filters.trigger)
    now = timezone.now()
    if filters.state == "answered":
        invitations = invitations.filter(used_on__isnull=False)
    elif filters.state == "open":
        invitations = invitations.filter(used_on__isnull=True, expires_at__gt=now)
    elif filters.state == "expired":
        invitations = invitations.filter(used_on__isnull=True, expires_at__lte=now)
    return invitations.order_by("-created_at", "-pk")


@router.post("/invitations", response={201: InvitationCreatedOut})
def create_invitation(request: HttpRequest, payload: InvitationIn) -> Status:
    """Invite one customer of your scope to a live survey: by SMS or email (queued in the
    outbox), or printed and handed over (the answer then carries the link, this once).
    Refused (422) when the survey is not live, the customer was surveyed within the fatigue
    window, or has no mobile or email for the channel."""
    user = request.user
    require_perm(user, "surveys.add_invitation")
    customer = get_customer_for_user(user, payload.customer)
    try:
        survey = access.find_survey(payload.survey)
    except Http404:
        raise ValidationError({"survey": _("No such survey.")}) from None
    outlet = _unit_filter(user, payload.outlet, outlet_only=True) or _default_outlet(user, customer)
    invitation, token = actions.do_invite_by_hand(
        user, survey, customer, outlet=outlet, channel=payload.channel
    )
    printed = payload.channel == Invitation.Channel.PRINTED
    return Status(
        201,
        {
            "invitation": access.invitations_for_user(user).get(pk=invitation.pk),
            "queued": not printed,
            "link": actions.invitation_url(token) if printed else None,
        },
    )


def _default_outlet(user: Any, customer: Any) -> Branch:
    """Staff at an outlet invite for it; anyone above, for the customer's home outlet."""
    profile = own_staff_profile(user)
    if profile is not None and profile.branch.level == Branch.Level.OUTLET:
        return profile.branch
    home: Branch = customer.home_outlet
    return home


# --- responses -------------------------------------------------------------------------------


class ResponseFilter(Schema):
    survey: str | None = None  # code or UUID
    outlet: str | None = None
    start: date | None = None
    end: date | None = None
    customer: UUID | None = None
    anonymous: bool | None = None


@router.get("/responses", response=list[ResponseOut])
@paginate
def list_responses(request: HttpRequest, filters: Query[ResponseFilter]) -> QuerySet[Response]:
    """Submitted responses of your scope, newest first: the headline answers (NPS, CSAT,
    CES), the day, outlet and source; the customer masked, and only for an identified
    response. No comments: those are in a response's detail."""
    _period(filters.start, filters.end)
    responses = access.responses_for_user(request.user)
    survey = _survey_filter(filters.survey)
    exact = {
        "survey": survey,
        "outlet": _unit_filter(request.user, filters.outlet, outlet_only=True),
        "submitted_on__gte": filters.start,
        "submitted_on__lte": filters.end,
        "is_anonymous": filters.anonymous,
    }
    responses = responses.filter(**{k: v for k, v in exact.items() if v is not None})
    if filters.customer is not None:
        responses = responses.filter(customer__uuid=filters.customer, is_anonymous=False)
    return responses.order_by("-submitted_on", "-pk")


@router.get("/responses/{uuid}", response=ResponseDetailOut)
def get_response(request: HttpRequest, uuid: str) -> Response:
    """One response in full: every answer with the question's wording, comments included,
    and the dimension scores. Every call is recorded in the audit log."""
    user = request.user
    response = access.get_response(user, uuid)
    record(
        Action.VIEW_PERSONAL, actor=user, target=response,
        target_label=f"{response.survey.code} {response.outlet.code}", request=request,
    )  # fmt: skip
    lines = queries.answer_lines(
        response.survey_version.parsed(), access.response_answers(response)
    )
    response.answers_out = [  # type: ignore[attr-defined]
        {
            "question_key": line.question_key,
            "question": line.wording,
            "role": line.role,
            "dimension": line.dimension,
            "number": line.number,
            "choices": list(line.choices),
            "text": line.text,
        }
        for line in lines
    ]
    response.dimensions_out = list(access.response_dimensions(response))  # type: ignore[attr-defined]
    return response
