"""Survey records a user may see: the rows of the outlets in their scope (404 otherwise)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from branchcx.org.scoping import get_in_scope, require_perm
from branchcx.surveys.models import (
    Answer,
    DimensionScore,
    FollowUp,
    Invitation,
    Response,
    Survey,
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
