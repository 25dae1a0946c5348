"""The complaint workflow's pages (``states``, ``people``, ``records``; shared steps in
``common``): one form per action, the attachment download and the
printable decision letter. ``available_actions`` (the buttons a complaint page offers, see
``workflow_buttons``) is importable from here too.

Each page fetches through ``access`` (404 outside the user's scope), checks the permission
(403), parses its form and calls one action with the complaint version the user saw. The
rules live in the actions; their refusals land on the form, an edit conflict as a message
asking to reload. On success: a flash message and back to the complaint.
"""

from __future__ import annotations

from django.urls import URLPattern, path

from branchcx.complaints.workflow_buttons import available_actions
from branchcx.complaints.workflow_views.people import (
    assign,
    handover_answer,
    handover_offer,
    recuse,
)
from branchcx.complaints.workflow_views.records import (
    approve_decision,
    attachment_download,
    attachment_upload,
    decide,
    decision_letter,
    notification,
    revisit,
)
from branchcx.complaints.workflow_views.states import (
    classify,
    extend,
    group,
    major,
    merge,
    pause,
    resume,
    transition,
)

__all__ = ["available_actions", "urlpatterns"]

urlpatterns: list[URLPattern] = [
    path("<uuid:uuid>/transition/", transition, name="transition"),
    path("<uuid:uuid>/classify/", classify, name="classify"),
    path("<uuid:uuid>/group/", group, name="group"),
    path("<uuid:uuid>/major/", major, name="major"),
    path("<uuid:uuid>/assign/", assign, name="assign"),
    path("<uuid:uuid>/handover/", handover_offer, name="handover_offer"),
    path("<uuid:uuid>/handover/answer/", handover_answer, name="handover_answer"),
    path("<uuid:uuid>/extend/", extend, name="extend"),
    path("<uuid:uuid>/pause/", pause, name="pause"),
    path("<uuid:uuid>/resume/", resume, name="resume"),
    path("<uuid:uuid>/recuse/", recuse, name="recuse"),
    path("<uuid:uuid>/notifications/new/", notification, name="notification"),
    path("<uuid:uuid>/decisions/new/", decide, name="decide"),
    path(
        "<uuid:uuid>/decisions/<int:decision_id>/approve/",
        approve_decision,
        name="approve_decision",
    ),
    path(
        "<uuid:uuid>/decisions/<int:decision_id>/letter/", decision_letter, name="decision_letter"
    ),
    path("<uuid:uuid>/merge/", merge, name="merge"),
    path("<uuid:uuid>/revisits/<int:revisit_id>/", revisit, name="revisit"),
    path("<uuid:uuid>/attachments/new/", attachment_upload, name="attachment_upload"),
    path(
        "<uuid:uuid>/attachments/<uuid:attachment_uuid>/",
        attachment_download,
        name="attachment_download",
    ),
]
