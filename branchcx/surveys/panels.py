"""What the surveys app adds to the customer 360 page: the customer's own survey answers, the
invitations they can still answer, the follow-ups of their unhappy answers and a link to
invite them. A fixed number of queries however many answers the customer has given.

Only identified answers appear: an anonymous answer names nobody, so it cannot be shown on
anyone's page (and nothing here looks for who gave it)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchcx.surveys import access
from branchcx.web.panels import Column, Panel, customer_panels

PANEL_ROWS = 6


def _latest(responses: list[Any]) -> dict[str, Any]:
    """Each headline score from the newest shown response that has it."""
    latest: dict[str, Any] = {}
    for name in ("nps", "csat", "ces"):
        found = next((r for r in responses if getattr(r, name) is not None), None)
        latest[name] = getattr(found, name) if found else None
    return latest


def customer_surveys(user: Any, customer: Any) -> dict[str, Any]:
    """The customer's answers, open invitations and open follow-ups in the user's scope, each
    part only for the roles that may see it."""
    responses: list[Any] = []
    more = 0
    if user.has_perm("surveys.view_response"):
        mine = access.customer_responses(user, customer)
        rows = list(mine[: PANEL_ROWS + 1])
        responses = rows[:PANEL_ROWS]
        # counted only once the panel is full: the usual customer has a few answers
        more = mine.count() - PANEL_ROWS if len(rows) > PANEL_ROWS else 0
    invitations = (
        list(access.open_invitations_of(user, customer)[:PANEL_ROWS])
        if user.has_perm("surveys.view_invitation")
        else []
    )
    now = timezone.now()
    follow_ups = (
        [
            {"follow_up": f, "overdue": f.due_at < now}
            for f in access.open_follow_ups_of(user, customer)[:PANEL_ROWS]
        ]
        if user.has_perm("surveys.view_followup")
        else []
    )
    return {
        "customer": customer,
        "responses": responses,
        "more": more,
        "latest": _latest(responses),
        "can_see_responses": user.has_perm("surveys.view_response"),
        "invitations": invitations,
        "follow_ups": follow_ups,
        "can_invite": user.has_perm("surveys.add_invitation"),
    }


def register_panels() -> None:
    customer_panels.register(
        Panel(
            key="surveys",
            title=_("Surveys"),
            template="surveys/panels/surveys.html",
            build=customer_surveys,
            permission="surveys.view_survey",
            column=Column.SIDE,
            order=30,
        )
    )
