"""The customer 360 page is a list of panels that apps register.

A panel is a template plus a function that builds its context for one customer. This app
registers the profile, guidance, holdings, transactions and contacts panels in its
``AppConfig.ready``; later apps (complaints, surveys, care, lobby) register theirs the same
way, in their own ``ready``, and the 360 page shows them without any change here::

    from branchcx.customers.panels import Panel, register

    register(Panel(key="complaints", title=_("Complaints"), template="complaints/_panel.html",
                   build=open_complaints_context, permission="complaints.view_complaint",
                   column=Column.MAIN, order=40))

Each ``build`` receives the request's user and the customer (already fetched in scope) and
must use a fixed number of queries however much the customer holds: the 360 page's query
count is tested against growing data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise


class Column(StrEnum):
    MAIN = "main"
    SIDE = "side"


@dataclass(frozen=True)
class Panel:
    key: str
    title: str | Promise
    template: str
    build: Callable[[Any, Any], dict[str, Any]]
    permission: str | None = None
    column: Column = Column.MAIN
    order: int = 100


_PANELS: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    """Add (or replace, by key) a panel of the 360 page."""
    _PANELS[panel.key] = panel


def registered() -> list[Panel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


def panels_for(user: Any, customer: Any) -> dict[str, list[dict[str, Any]]]:
    """The panels ``user`` may see for ``customer``, built and split by column."""
    columns: dict[str, list[dict[str, Any]]] = {Column.MAIN: [], Column.SIDE: []}
    for panel in registered():
        if panel.permission and not user.has_perm(panel.permission):
            continue
        context = {"panel_key": panel.key, "title": panel.title, **panel.build(user, customer)}
        columns[panel.column].append({"template": panel.template, "context": context})
    return columns
