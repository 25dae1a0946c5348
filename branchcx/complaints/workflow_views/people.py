"""The pages about who holds a complaint: assignment, hand-over and recusal."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from branchcx.complaints import access, actions
from branchcx.complaints.models import (
    TimelineEntry,
)
from branchcx.complaints.workflow_buttons import (
    HANDLE,
    RECEIVE,
    staff_of,
)
from branchcx.complaints.workflow_forms import (
    AssignForm,
    HandoverAnswerForm,
    HandoverOfferForm,
    RecuseForm,
)
from branchcx.complaints.workflow_views.common import (
    HANDLER_ROLES,
    RECEIVER_ROLES,
    _attempt,
    _complaint,
    _data,
    _done,
    _page,
    _shown,
    workflow_page,
)


@workflow_page
def assign(request: HttpRequest, uuid: Any) -> HttpResponse:
    complaint = _complaint(request, uuid, HANDLE)
    officers = access.colleagues_serving(complaint.outlet).filter(role__in=HANDLER_ROLES)
    form = AssignForm(_data(request), complaint=complaint, officers=officers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, changed = _attempt(
            form,
            lambda: actions.do_assign(
                request.user, complaint, expected_version=data["version"],
                handler=data["handler"], reason=data["reason"],
            ),
        )  # fmt: skip
        if ok:
            return _done(
                request,
                complaint,
                _("%(name)s now handles the complaint.") % {"name": changed.handler.full_name},
            )
    return _page(
        request, complaint, form, title=_("Assign the handler"), submit=_("Assign"),
        intro=_(
            "The rules choose the least busy complaint officer for this outlet and business "
            "category. Name an officer yourself only with a reason; staff with an interest in "
            "the complaint cannot handle it."
        ),
        details=[(_("Handler now"), complaint.handler.full_name if complaint.handler else "—")],
    )  # fmt: skip


@workflow_page
def handover_offer(request: HttpRequest, uuid: Any) -> HttpResponse:
    complaint = _complaint(request, uuid, RECEIVE)
    me = staff_of(request.user)
    if me is None or (me.pk != complaint.owner_id and not request.user.has_perm(HANDLE)):
        raise PermissionDenied  # the owner, or a complaint handler, hands a complaint over
    colleagues = (
        access.colleagues_serving(complaint.outlet)
        .filter(role__in=RECEIVER_ROLES)
        .exclude(pk=complaint.owner_id)
    )
    form = HandoverOfferForm(_data(request), complaint=complaint, colleagues=colleagues)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _changed = _attempt(
            form,
            lambda: actions.do_offer_handover(
                request.user, complaint, data["to"], expected_version=data["version"],
                reason=data["reason"],
            ),
        )  # fmt: skip
        if ok:
            return _done(
                request,
                complaint,
                _(
                    "The complaint is offered to %(name)s. The owner stays responsible until "
                    "they accept."
                )
                % {"name": data["to"].full_name},
            )
    return _page(
        request, complaint, form, title=_("Hand the complaint over"), submit=_("Offer"),
        intro=_(
            "First-contact ownership: the owner stays responsible until the colleague "
            "accepts. Choose a colleague at this outlet or a unit above it."
        ),
        details=[(_("Owner"), complaint.owner.full_name)],
    )  # fmt: skip


@workflow_page
def handover_answer(request: HttpRequest, uuid: Any) -> HttpResponse:
    complaint = _complaint(request, uuid, RECEIVE)
    me = staff_of(request.user)
    if me is None or me.pk != complaint.pending_owner_id:
        raise PermissionDenied  # only the colleague it was offered to answers
    form = HandoverAnswerForm(_data(request), complaint=complaint)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        accept = data["answer"] == HandoverAnswerForm.ACCEPT
        ok, _changed = _attempt(
            form,
            lambda: actions.do_answer_handover(
                request.user, complaint, expected_version=data["version"], accept=accept,
                reason=data["reason"],
            ),
        )  # fmt: skip
        if ok:
            return _done(
                request,
                complaint,
                _("You now own the complaint.")
                if accept
                else _("You declined. The owner stays responsible."),
            )
    offer = (
        complaint.timeline.filter(kind=TimelineEntry.Kind.HANDOVER_OFFERED).order_by("-at").first()
    )
    _shown(request, complaint, "handover_answer")
    return _page(
        request, complaint, form, title=_("Answer the hand-over"), submit=_("Send the answer"),
        details=[
            (_("Offered by the owner"), complaint.owner.full_name),
            (_("Why"), offer.text if offer else "—"),
        ],
    )  # fmt: skip


@workflow_page
def recuse(request: HttpRequest, uuid: Any) -> HttpResponse:
    complaint = _complaint(request, uuid, RECEIVE)
    form = RecuseForm(_data(request), complaint=complaint)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _changed = _attempt(
            form,
            lambda: actions.do_recuse(
                request.user, complaint, expected_version=data["version"], reason=data["reason"]
            ),
        )
        if ok:
            return _done(
                request, complaint, _("Your interest is recorded; you take no part in handling it.")
            )
    return _page(
        request, complaint, form, title=_("Declare an interest"), submit=_("Declare"),
        danger=True,
        intro=_(
            "Staff with a direct interest in a complaint take no part in handling it. If you "
            "handle it, it must be assigned again; if you own it, hand it over."
        ),
    )  # fmt: skip
