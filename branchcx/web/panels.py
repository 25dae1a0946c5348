"""The registries that let an app add to the shared pages without editing ``web``.

Two pages are lists of panels that apps contribute from their ``AppConfig.ready``:

- the **customer 360 page**: a :class:`Panel` is a template plus a function that builds its
  context for one customer (already fetched in the user's scope);
- the **home page**: a :class:`HomePanel` is a function that returns the context of its panel
  for the signed-in user (with a ``template`` key), or ``None`` when the panel is not for them.

Registering::

    from branchcx.web.panels import Column, HomePanel, Panel, customer_panels, home_panels

    customer_panels.register(Panel(key="complaints", title=_("Complaints"),
                                   template="complaints/panels/complaints.html",
                                   build=customer_complaints,
                                   permission="complaints.view_complaint", order=25))
    home_panels.register(HomePanel(key="complaints-at-risk", build=home_panel, order=40))

Each builder must use a fixed number of queries however much the customer holds or the user
sees: the 360 and home pages' query counts are tested against growing data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise

from branchcx.lib.registry import Registry


class Column(StrEnum):
    MAIN = "main"
    SIDE = "side"


@dataclass(frozen=True)
class Panel:
    """A panel of the customer 360 page."""

    key: str
    title: str | Promise
    template: str
    build: Callable[[Any, Any], dict[str, Any]]
    permission: str | None = None
    column: Column = Column.MAIN
    order: int = 100


@dataclass(frozen=True)
class HomePanel:
    """A panel of the home page; ``build(user)`` decides whether the user sees it."""

    key: str
    build: Callable[[Any], dict[str, Any] | None]
    order: int = 100


customer_panels: Registry[Panel] = Registry()
home_panels: Registry[HomePanel] = Registry()


def customer_panels_for(user: Any, customer: Any) -> dict[str, list[dict[str, Any]]]:
    """The 360 panels ``user`` may see for ``customer``, built and split by column."""
    columns: dict[str, list[dict[str, Any]]] = {Column.MAIN: [], Column.SIDE: []}
    for panel in customer_panels.registered():
        if panel.permission and not user.has_perm(panel.permission):
            continue
        context = {"panel_key": panel.key, "title": panel.title, **panel.build(user, customer)}
        columns[panel.column].append({"template": panel.template, "context": context})
    return columns


def home_panels_for(user: Any) -> list[dict[str, Any]]:
    """The home panels for ``user``, in order; a builder returning ``None`` is left out."""
    return [ctx for panel in home_panels.registered() if (ctx := panel.build(user)) is not None]
