"""Survey records a user may see: the rows of the outlets in their scope (404 otherwise)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from branchcx.org import access as org_access
from branchcx.org.models import Branch
from branchcx.org.scoping import get_in_scope, require_perm
from branchcx.surveys.models import (
    Answer,
    DimensionScore,
    DistributionRule,
    FeedbackCode,
    FollowUp,
    Invitation,
    Response,
    Survey,
    SurveyVersion,
)

RELATED = ("outlet", "customer", "assigned_to", "response__survey", "complaint")


def follow_ups_for_user(user: Any) -> QuerySet[FollowUp]:
    return FollowUp.objects.visible_to(user).select_related(*RELATED)


def get_follow_up(user: Any, uuid: Any) -> FollowUp:
    follow_up: FollowUp = get_in_scope(FollowUp.objects.select_related(*RELATED), user, uuid=uuid)
    return follow_up


def answers_of(follow_up: FollowUp) -> QuerySet[Answer]:
    """What the customer answered, in the order of the questionnaire's rows."""
    return Answer.objects.filter(response_id=follow_up.response_id).order_by("id")


# --- survey management pages (staff side) ---------------------------------------------------
# Questionnaires are network-wide; what a user sees of their use (responses, rules, lobby
# codes) is their scope's.


def _counts_by_survey(queryset: Any) -> dict[int, int]:
    return dict(queryset.order_by().values_list("survey").annotate(n=Count("pk")))


def surveys_overview(user: Any) -> list[Survey]:
    """Every survey with its current and draft version numbers and, in the user's scope, its
    submitted responses, rules in use and lobby codes in use (four grouped queries)."""
    surveys: list[Survey] = list(
        Survey.objects.annotate(
            current_number=Max("versions__number", filter=Q(versions__published_at__isnull=False)),
            draft_number=Max("versions__number", filter=Q(versions__published_at__isnull=True)),
        ).order_by("code")
    )
    responses = _counts_by_survey(
        Response.objects.visible_to(user).filter(status=Response.Status.SUBMITTED)
    )
    rules = _counts_by_survey(DistributionRule.objects.visible_to(user).filter(is_active=True))
    codes = _counts_by_survey(FeedbackCode.objects.visible_to(user).filter(is_active=True))
    for survey in surveys:
        survey.response_count = responses.get(survey.pk, 0)  # type: ignore[attr-defined]
        survey.rule_count = rules.get(survey.pk, 0)  # type: ignore[attr-defined]
        survey.lobby_count = codes.get(survey.pk, 0)  # type: ignore[attr-defined]
    return surveys


def get_survey(code: str) -> Survey:
    survey: Survey = get_object_or_404(Survey, code=code)
    return survey


def versions_with_counts(user: Any, survey: Survey) -> list[SurveyVersion]:
    """The survey's versions, newest first, each with its submitted responses in scope."""
    versions = list(survey.versions.select_related("created_by").order_by("-number"))
    counts = dict(
        Response.objects.visible_to(user)
        .filter(survey=survey, status=Response.Status.SUBMITTED)
        .order_by()
        .values_list("survey_version")
        .annotate(n=Count("pk"))
    )
    for version in versions:
        version.response_count = counts.get(version.pk, 0)  # type: ignore[attr-defined]
    return versions


def get_version(survey: Survey, number: int) -> SurveyVersion:
    version: SurveyVersion = get_object_or_404(SurveyVersion, survey=survey, number=number)
    return version


def live_surveys() -> QuerySet[Survey]:
    return Survey.objects.filter(status=Survey.Status.LIVE).order_by("code")


def open_surveys() -> QuerySet[Survey]:
    """Surveys a rule or a lobby code may be set up for (not closed)."""
    return Survey.objects.exclude(status=Survey.Status.CLOSED).order_by("code")


def rules_for_user(user: Any) -> QuerySet[DistributionRule]:
    return DistributionRule.objects.visible_to(user).select_related("survey", "unit")


def get_rule(user: Any, pk: Any) -> DistributionRule:
    rule: DistributionRule = get_in_scope(
        DistributionRule.objects.select_related("survey", "unit"), user, pk=pk
    )
    return rule


def feedback_codes_for_user(user: Any) -> QuerySet[FeedbackCode]:
    return FeedbackCode.objects.visible_to(user).select_related("survey", "outlet")


def get_feedback_code(user: Any, pk: Any) -> FeedbackCode:
    lobby: FeedbackCode = get_in_scope(
        FeedbackCode.objects.select_related("survey", "outlet"), user, pk=pk
    )
    return lobby


def units_for_user(user: Any) -> QuerySet[Branch]:
    """The open units a survey can be run for."""
    return org_access.units_for_user(user, open_only=True)


def outlets_for_user(user: Any) -> QuerySet[Branch]:
    return org_access.units_for_user(user, levels=[Branch.Level.OUTLET], open_only=True)


# --- responses, invitations and the customer panel (API, response pages, 360 panel) ----------
# Only submitted responses are shown to staff: a half-answered survey is the respondent's
# until they send it. An anonymous response names nobody (the model's constraint), and these
# getters never look for a customer behind one.


def responses_for_user(user: Any) -> QuerySet[Response]:
    require_perm(user, "surveys.view_response")
    return (
        Response.objects.visible_to(user)
        .filter(status=Response.Status.SUBMITTED)
        .select_related("survey", "survey_version", "outlet", "customer", "follow_up")
    )


def get_response(user: Any, uuid: Any) -> Response:
    """One submitted response of the user's scope (404 otherwise, 403 without the right)."""
    response: Response = get_in_scope(
        Response.objects.filter(status=Response.Status.SUBMITTED).select_related(
            "survey", "survey_version", "outlet", "customer", "follow_up"
        ),
        user,
        uuid=uuid,
    )
    require_perm(user, "surveys.view_response")
    return response


def response_answers(response: Response) -> QuerySet[Answer]:
    """The response's answers in the order they were stored (the questionnaire's)."""
    return Answer.objects.filter(response_id=response.pk).order_by("id")


def response_dimensions(response: Response) -> QuerySet[DimensionScore]:
    return DimensionScore.objects.filter(response_id=response.pk).order_by("id")


def invitations_for_user(user: Any) -> QuerySet[Invitation]:
    require_perm(user, "surveys.view_invitation")
    return Invitation.objects.visible_to(user).select_related("survey", "outlet", "customer")


def find_survey(reference: str) -> Survey:
    """A survey by its code or its UUID (questionnaires are network-wide)."""
    try:
        by_uuid = Q(uuid=UUID(str(reference)))
    except ValueError:
        by_uuid = Q(pk__in=[])
    survey = Survey.objects.filter(by_uuid | Q(code=reference)).first()
    if survey is None:
        raise Http404
    return survey


def customer_responses(user: Any, customer: Any) -> QuerySet[Response]:
    """The customer's own (identified) responses in the user's scope, newest first."""
    return (
        Response.objects.visible_to(user)
        .filter(status=Response.Status.SUBMITTED, is_anonymous=False, customer=customer)
        .select_related("survey")
        .order_by("-submitted_on", "-pk")
    )


def open_invitations_of(user: Any, customer: Any) -> QuerySet[Invitation]:
    """Invitations the customer can still answer, in the user's scope, newest first."""
    return (
        Invitation.objects.visible_to(user)
        .filter(customer=customer, used_on__isnull=True, expires_at__gt=timezone.now())
        .select_related("survey", "outlet")
        .order_by("-created_at", "-pk")
    )


def open_follow_ups_of(user: Any, customer: Any) -> QuerySet[FollowUp]:
    """Follow-ups of the customer's answers not yet closed, in the user's scope, due first."""
    return (
        FollowUp.objects.visible_to(user)
        .filter(customer=customer, state__in=[FollowUp.State.OPEN, FollowUp.State.CONTACTED])
        .select_related("outlet", "response__survey")
        .order_by("due_at", "pk")
    )
