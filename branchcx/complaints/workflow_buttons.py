"""The buttons of a complaint page: which workflow steps make sense for this complaint now,
for this user (``available_actions``; the pages themselves are in ``workflow_views``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from branchcx.complaints import access
from branchcx.complaints.actions import MANAGERS, TRANSITIONS, above, serves
from branchcx.complaints.models import (
    FINAL_STATES,
    OPEN_STATES,
    ClockPause,
    Complaint,
    Decision,
    Recusal,
    Revisit,
    State,
    TimelineEntry,
)
from branchcx.complaints.workflow_forms import TRANSITION_LABELS
from branchcx.org.models import StaffProfile

VIEW = access.VIEW
RECEIVE = "complaints.add_complaint"  # whoever serves customers: registers, owns, revisits
HANDLE = "complaints.change_complaint"  # complaint officers and managers
# A re-filed complaint is merged into one still under investigation (see do_merge).
MERGEABLE = (State.REGISTERED, State.ACCEPTED)
MERGE_TARGETS = (State.REGISTERED, State.ACCEPTED, State.INVESTIGATING)


def staff_of(user: Any) -> StaffProfile | None:
    """The user's own staff profile (within their own scope, like every fetch here)."""
    profile: StaffProfile | None = (
        StaffProfile.objects.visible_to(user)
        .select_related("branch")
        .filter(user_id=user.pk, is_active=True)
        .first()
    )
    return profile


def available_actions(user: Any, complaint: Complaint) -> list[dict[str, str]]:
    """The workflow's actions that make sense for this complaint now and for this user, as
    buttons: ``{"name", "label", "url", "style"}`` with style ``primary`` (the next step),
    ``secondary`` or ``danger``; the next steps first. At most four queries besides those
    the user's permissions and scope cost once per request.

    Buttons only open the forms: every action still checks everything itself, so a rule
    this list does not foresee (say a review requested after its 30 days) is refused there,
    with the reason.
    """
    me = staff_of(user)
    if me is None or not user.has_perm(VIEW):
        return []
    can_handle, can_receive = user.has_perm(HANDLE), user.has_perm(RECEIVE)
    scoped = Complaint.objects.visible_to(user)
    here = OuterRef("pk")
    flags = (
        scoped.filter(pk=complaint.pk)
        .annotate(
            recused=Exists(Recusal.objects.visible_to(user).filter(complaint=here, staff=me)),
            involved=Exists(scoped.filter(pk=here, staff_involved=me)),
            paused=Exists(
                ClockPause.objects.visible_to(user).filter(complaint=here, ended_on__isnull=True)
            ),
            revisit_id=Subquery(
                Revisit.objects.visible_to(user)
                .filter(complaint=here, done_at__isnull=True)
                .order_by("due_on", "pk")
                .values("pk")[:1]
            ),
            reopened_at=Subquery(
                TimelineEntry.objects.visible_to(user)
                .filter(complaint=here, kind=TimelineEntry.Kind.REOPENED)
                .order_by("-at")
                .values("at")[:1]
            ),
            merge_target=Exists(
                scoped.filter(customer_id=OuterRef("customer_id"), state__in=MERGE_TARGETS)
                .exclude(pk=here)
            ),
        )
        .values("recused", "involved", "paused", "revisit_id", "reopened_at", "merge_target")
        .first()
    )  # fmt: skip
    if flags is None:
        return []
    decision = (
        Decision.objects.visible_to(user)
        .filter(complaint=complaint)
        .order_by("-decided_at", "-pk")
        .first()
    )
    state, outlet = complaint.state, complaint.outlet
    finished = state in FINAL_STATES
    handles = can_handle and not (flags["recused"] or flags["involved"])
    buttons: list[dict[str, str]] = []

    def add(label: str, name: str, style: str = "secondary", query: str = "", **kw: Any) -> None:
        url = reverse(f"complaints:{name}", kwargs={"uuid": complaint.uuid, **kw})
        buttons.append({"name": name, "label": label, "url": url + query, "style": style})

    def current(kind: str) -> bool:
        """Whether the latest decision is of ``kind`` and newer than any reopening."""
        return (
            decision is not None
            and decision.kind == kind
            and (flags["reopened_at"] is None or decision.decided_at >= flags["reopened_at"])
        )

    def ready(kind: str) -> bool:
        return current(kind) and decision is not None and decision.is_final

    if can_receive and complaint.pending_owner_id == me.pk:
        add(_("Answer the hand-over"), "handover_answer", "primary")
    if (
        decision is not None
        and not decision.is_final
        and state == (State.INVESTIGATING if decision.kind == Decision.Kind.DECISION
                      else State.REVIEW_REQUESTED)
        and can_handle
        and not (flags["recused"] or flags["involved"])
        and me.role in MANAGERS
        and me.pk != decision.decided_by_id
        and serves(me, outlet)
    ):  # fmt: skip
        add(_("Approve the decision"), "approve_decision", "primary", decision_id=decision.pk)
    if handles:
        for to in (s for s in State.values if s in TRANSITIONS.get(state, set())):
            if to == State.WITHDRAWN:
                continue  # offered last, as a danger
            if to == State.DECIDED and (not ready(Decision.Kind.DECISION) or flags["paused"]):
                continue
            if to == State.REVIEW_DECIDED and not ready(Decision.Kind.REVIEW):
                continue
            add(str(TRANSITION_LABELS[to]), "transition", "primary", query=f"?to={to}")
        if state == State.INVESTIGATING or (state == State.REVIEW_REQUESTED and above(me, outlet)):
            review = state == State.REVIEW_REQUESTED
            kind = Decision.Kind.REVIEW if review else Decision.Kind.DECISION
            add(
                _("Record the review decision") if review else _("Record the decision"),
                "decide",
                "secondary" if current(kind) else "primary",  # a second one replaces it
            )
        if state == State.DECIDED or (
            state == State.REVIEW_REQUESTED and ready(Decision.Kind.REVIEW)
        ):
            add(_("Record how the customer was told"), "notification", "primary")
        if state in OPEN_STATES and flags["paused"]:
            add(_("Resume the clock"), "resume", "primary")
        elif state in OPEN_STATES:
            first = complaint.allowed_days < 30
            if complaint.allowed_days < 60 and (
                not first or (me.role in MANAGERS and serves(me, outlet))
            ):
                add(_("Extend the deadline"), "extend")
            add(_("Pause the clock"), "pause")
        if not finished:
            add(_("Classify"), "classify")
            add(_("Correct the group"), "group")
            if not complaint.is_major:
                add(_("Mark as a major complaint"), "major", "danger")
            add(_("Assign the handler"), "assign")
        if state in MERGEABLE and flags["merge_target"]:
            add(_("Merge into another complaint"), "merge", "danger")
    if (
        not finished
        and can_receive
        and complaint.pending_owner_id is None
        and (complaint.owner_id == me.pk or can_handle)
    ):
        add(_("Hand over"), "handover_offer")
    if can_receive and flags["revisit_id"] is not None:
        add(_("Record the revisit"), "revisit", "primary", revisit_id=flags["revisit_id"])
    if can_receive:
        add(_("Attach evidence"), "attachment_upload")
    if decision is not None:
        add(_("Print the decision letter"), "decision_letter", decision_id=decision.pk)
    if handles and State.WITHDRAWN in TRANSITIONS.get(state, set()):
        withdraw = TRANSITION_LABELS[State.WITHDRAWN]
        add(str(withdraw), "transition", "danger", query=f"?to={State.WITHDRAWN}")
    if not finished and can_receive and not flags["recused"]:
        add(_("Declare an interest"), "recuse", "danger")
    rank = {"primary": 0, "secondary": 1, "danger": 2}
    return sorted(buttons, key=lambda b: rank[b["style"]])
