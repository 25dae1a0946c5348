"""The pages that move a complaint or correct it: state changes, classification, the group
and major flag, extensions, pauses and merging."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.complaints import access, actions
from branchcx.complaints.actions import TRANSITIONS
from branchcx.complaints.models import (
    State,
)
from branchcx.complaints.workflow_buttons import (
    HANDLE,
    MERGE_TARGETS,
)
from branchcx.complaints.workflow_forms import (
    ClassifyForm,
    ExtendForm,
    GroupForm,
    MajorForm,
    MergeForm,
    PauseForm,
    ResumeForm,
    TransitionForm,
)
from branchcx.complaints.workflow_views.common import (
    _attempt,
    _back,
    _complaint,
    _data,
    _done,
    _page,
    workflow_page,
)


@workflow_page
def transition(request: HttpRequest, uuid: Any) -> HttpResponse:
    complaint = _complaint(request, uuid, HANDLE)
    if not TRANSITIONS.get(complaint.state):
        messages.info(request, _("This complaint is finished: its state cannot change any more."))
        return _back(complaint)
    form = TransitionForm(
        _data(request), complaint=complaint, initial={"to_state": request.GET.get("to", "")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, changed = _attempt(
            form,
            lambda: actions.do_transition(
                request.user, complaint, data["to_state"], expected_version=data["version"],
                reason=data["reason"], requested_on=data.get("requested_on"),
            ),
        )  # fmt: skip
        if ok:
            label = State(changed.state).label
            return _done(
                request, complaint, _("The complaint is now: %(state)s.") % {"state": label}
            )
    return _page(
        request, complaint, form, title=_("Change the state"), submit=_("Change the state"),
        intro=_(
            "Only the moves the workflow allows from here are listed. Deciding needs a recorded "
            "(and, for large compensation, approved) decision; telling the customer needs the "
            "notification recorded first."
        ),
    )  # fmt: skip


@workflow_page
def classify(request: HttpRequest, uuid: Any) -> HttpResponse:
    complaint = _complaint(request, uuid, HANDLE)
    form = ClassifyForm(
        _data(request), complaint=complaint, initial=ClassifyForm.initial_for(complaint)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _changed = _attempt(
            form,
            lambda: actions.do_classify(
                request.user, complaint, expected_version=data["version"],
                channel=data["channel"], business=data["business"], cause=data["cause"],
                card_reason=data["card_reason"], priority=data["priority"],
                reason=data["reason"],
            ),
        )  # fmt: skip
        if ok:
            return _done(request, complaint, _("The classification is saved."))
    return _page(
        request, complaint, form, title=_("Classify the complaint"), submit=_("Save"),
        intro=_(
            "The codes of JR/T 0169 (channel, business category, cause) feed the regulator's "
            "statistics; the old and new codes are kept on the timeline."
        ),
    )  # fmt: skip


@workflow_page
def group(request: HttpRequest, uuid: Any) -> HttpResponse:
    complaint = _complaint(request, uuid, HANDLE)
    form = GroupForm(_data(request), complaint=complaint, initial=GroupForm.initial_for(complaint))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _changed = _attempt(
            form,
            lambda: actions.do_change_group(
                request.user, complaint, expected_version=data["version"],
                co_complainants=data["co_complainants"],
                representatives=data["representatives"], reason=data["reason"],
            ),
        )  # fmt: skip
        if ok:
            return _done(request, complaint, _("The group is saved."))
    return _page(
        request, complaint, form, title=_("Correct the group"), submit=_("Save"),
        intro=_(
            "How many customers complain together, and how many representatives speak for "
            "them. A group of 20 or more is a major complaint, escalated to head office at "
            "once. The old and new numbers are kept on the timeline."
        ),
    )  # fmt: skip


@workflow_page
def major(request: HttpRequest, uuid: Any) -> HttpResponse:
    complaint = _complaint(request, uuid, HANDLE)
    form = MajorForm(_data(request), complaint=complaint)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _changed = _attempt(
            form,
            lambda: actions.do_mark_major(
                request.user, complaint, expected_version=data["version"],
                reason=data["reason"], note=data["note"],
            ),
        )  # fmt: skip
        if ok:
            return _done(request, complaint, _("The complaint is now a major complaint."))
    return _page(
        request, complaint, form, title=_("Mark as a major complaint"), submit=_("Mark major"),
        intro=_(
            "A major complaint (重大投诉) becomes urgent and is escalated to head office at once; "
            "it stays major until it is closed."
        ),
    )  # fmt: skip


@workflow_page
def extend(request: HttpRequest, uuid: Any) -> HttpResponse:
    complaint = _complaint(request, uuid, HANDLE)
    form = ExtendForm(_data(request), complaint=complaint)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, changed = _attempt(
            form,
            lambda: actions.do_extend(
                request.user, complaint, expected_version=data["version"], reason=data["reason"],
                customer_told_via=data["customer_told_via"], proof=data["proof"],
            ),
        )  # fmt: skip
        if ok:
            return _done(
                request,
                complaint,
                _("The deadline is extended to %(days)s days.") % {"days": changed.allowed_days},
            )
    deadline = complaint.clock.deadline(timezone.localdate())
    return _page(
        request, complaint, form, title=_("Extend the deadline"), submit=_("Extend"),
        intro=_(
            "A complex case may take 30 days instead of 15, approved by the manager responsible "
            "for the outlet; 60 days only with the approval of a higher level. Tell the customer "
            "first and keep the proof."
        ),
        details=[(_("Days allowed now"), complaint.allowed_days), (_("Due now"), deadline)],
    )  # fmt: skip


@workflow_page
def pause(request: HttpRequest, uuid: Any) -> HttpResponse:
    complaint = _complaint(request, uuid, HANDLE)
    form = PauseForm(_data(request), complaint=complaint)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _changed = _attempt(
            form,
            lambda: actions.do_pause(
                request.user, complaint, expected_version=data["version"],
                reason=data["reason"], on=data["on"], note=data["note"],
            ),
        )  # fmt: skip
        if ok:
            return _done(request, complaint, _("The clock is paused."))
    return _page(
        request, complaint, form, title=_("Pause the clock"), submit=_("Pause"),
        intro=_(
            "Days in external appraisal or testing and in mediation do not count towards the "
            "deadline. Resume the clock the day it ends."
        ),
    )  # fmt: skip


@workflow_page
def resume(request: HttpRequest, uuid: Any) -> HttpResponse:
    complaint = _complaint(request, uuid, HANDLE)
    form = ResumeForm(_data(request), complaint=complaint)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _changed = _attempt(
            form,
            lambda: actions.do_resume(
                request.user, complaint, expected_version=data["version"], on=data["on"]
            ),
        )
        if ok:
            return _done(request, complaint, _("The clock runs again."))
    return _page(request, complaint, form, title=_("Resume the clock"), submit=_("Resume"))


@workflow_page
def merge(request: HttpRequest, uuid: Any) -> HttpResponse:
    complaint = _complaint(request, uuid, HANDLE)
    candidates = (
        list(
            access.open_complaints_of(request.user, complaint.customer)
            .exclude(pk=complaint.pk)
            .filter(state__in=MERGE_TARGETS)
            .order_by("received_at")
        )
        if complaint.customer is not None
        else []
    )
    if not candidates:
        messages.info(request, _("This customer has no other open complaint to merge into."))
        return _back(complaint)
    form = MergeForm(_data(request), complaint=complaint, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _merged = _attempt(
            form,
            lambda: actions.do_merge(
                request.user, complaint, data["into"], expected_version=data["version"],
                new_facts=data["new_facts"],
            ),
        )  # fmt: skip
        if ok:
            return _done(
                request, complaint, _("Merged into %(number)s.") % {"number": data["into"].number}
            )
    return _page(
        request, complaint, form, title=_("Merge into another complaint"), submit=_("Merge"),
        danger=True,
        intro=_(
            "A complaint filed again by the same customer is merged into the open one and "
            "handled there. With new facts, its 15-day clock starts again from the day they "
            "arrived."
        ),
    )  # fmt: skip
