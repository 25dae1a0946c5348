"""Survey records a user may see: the rows of the outlets in their scope (404 otherwise)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from branchcx.org.scoping import get_in_scope
from branchcx.surveys.models import Answer, FollowUp

RELATED = ("outlet", "customer", "assigned_to", "response__survey", "complaint")


def follow_ups_for_user(user: Any) -> QuerySet[FollowUp]:
    return FollowUp.objects.visible_to(user).select_related(*RELATED)


def get_follow_up(user: Any, uuid: Any) -> FollowUp:
    follow_up: FollowUp = get_in_scope(FollowUp.objects.select_related(*RELATED), user, uuid=uuid)
    return follow_up


def answers_of(follow_up: FollowUp) -> QuerySet[Answer]:
    """What the customer answered, in the order of the questionnaire's rows."""
    return Answer.objects.filter(response_id=follow_up.response_id).order_by("id")
