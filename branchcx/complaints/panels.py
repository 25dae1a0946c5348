"""What the complaints app adds to other pages: a panel on the customer 360 page and one on
the home page ("at risk today"). Each builder runs a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchcx.complaints import access
from branchcx.complaints.clock import AT_RISK_DAYS
from branchcx.complaints.models import OPEN_STATES
from branchcx.complaints.queries import due_soon, overdue
from branchcx.web.panels import Column, HomePanel, Panel, customer_panels, home_panels

PANEL_ROWS = 8
HOME_ROWS = 10


def customer_complaints(user: Any, customer: Any) -> dict[str, Any]:
    """The customer's complaints in the user's scope: open ones first, then the latest."""
    today = timezone.localdate()
    mine = access.complaints_for_user(user).filter(customer=customer)
    # Ordered in the query, not after it: an open complaint older than the newest few is
    # still the first thing a colleague serving the customer must see.
    finished = Case(When(state__in=OPEN_STATES, then=Value(0)), default=Value(1))
    rows = list(mine.order_by(finished, "-received_at", "-pk")[: PANEL_ROWS + 1])
    shown = rows[:PANEL_ROWS]
    return {
        "customer": customer,
        "complaints": [
            {"complaint": c, "days_left": (c.due_on - today).days if c.due_on else None}
            for c in shown
        ],
        "more": mine.count() - PANEL_ROWS if len(rows) > PANEL_ROWS else 0,
        "at_risk_days": AT_RISK_DAYS,
        "can_add": user.has_perm("complaints.add_complaint"),
    }


def register_panels() -> None:
    customer_panels.register(
        Panel(
            key="complaints",
            title=_("Complaints"),
            template="complaints/panels/complaints.html",
            build=customer_complaints,
            permission="complaints.view_complaint",
            column=Column.MAIN,
            order=25,
        )
    )
    home_panels.register(HomePanel("complaints-at-risk", home_panel, order=40))


def home_panel(user: Any) -> dict[str, Any] | None:
    """For whoever handles complaints: what is overdue and what falls due in the next days,
    the most urgent first (two counts and one list)."""
    if not user.has_perm("complaints.change_complaint"):
        return None
    today = timezone.localdate()
    scoped = access.complaints_for_user(user)
    urgent = scoped.filter(due_on__lte=today + timedelta(days=AT_RISK_DAYS))
    return {
        "template": "complaints/panels/at_risk.html",
        "overdue": overdue(scoped, today).count(),
        "at_risk": due_soon(scoped, today).count(),
        "at_risk_days": AT_RISK_DAYS,
        "rows": [
            {"complaint": c, "days_left": (c.due_on - today).days if c.due_on else None}
            for c in urgent.order_by("due_on", "received_at")[:HOME_ROWS]
        ],
    }
