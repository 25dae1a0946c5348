"""The complaint workflow's pages: one form per action, the attachment download and the
printable decision letter. ``available_actions`` (the buttons a complaint page offers, see
``workflow_buttons``) is importable from here too.

Each page fetches through ``access`` (404 outside the user's scope), checks the permission
(403), parses its form and calls one action with the complaint version the user saw. The
rules live in the actions; their refusals land on the form, an edit conflict as a message
asking to reload. On success: a flash message and back to the complaint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from branchcx.audit.actions import Action, record
from branchcx.complaints import access, actions, files
from branchcx.complaints.actions import TRANSITIONS
from branchcx.complaints.models import (
    Complaint,
    Decision,
    State,
    TimelineEntry,
)
from branchcx.complaints.uploads import AttachmentLimit
from branchcx.complaints.workflow_buttons import (
    HANDLE,
    MERGE_TARGETS,
    RECEIVE,
    available_actions,
    staff_of,
)
from branchcx.complaints.workflow_forms import (
    ApproveForm,
    AssignForm,
    AttachmentForm,
    ClassifyForm,
    DecisionForm,
    ExtendForm,
    GroupForm,
    HandoverAnswerForm,
    HandoverOfferForm,
    MajorForm,
    MergeForm,
    NotificationForm,
    PauseForm,
    RecuseForm,
    ResumeForm,
    RevisitForm,
    TransitionForm,
)
from branchcx.lib.errors import ConflictError
from branchcx.org.roles import ROLE_PERMISSIONS
from branchcx.org.scoping import require_perm
from branchcx.web.forms import run_action

__all__ = ["available_actions", "urlpatterns"]

# Roles whose members take complaints (a hand-over may offer them one), and those who handle
# them (an assignment may name them).
RECEIVER_ROLES = sorted(role for role, perms in ROLE_PERMISSIONS.items() if RECEIVE in perms)
HANDLER_ROLES = sorted(role for role, perms in ROLE_PERMISSIONS.items() if HANDLE in perms)
CONFLICT = gettext_lazy(
    "Someone changed this complaint after you opened it. Reload the complaint, check what "
    "changed, and try again."
)
FORM_TEMPLATE = "complaints/workflow/form.html"


# --- shared steps --------------------------------------------------------------------------


def _complaint(request: HttpRequest, uuid: Any, permission: str | None) -> Complaint:
    """The complaint of the URL (404 outside the scope), then the permission (403)."""
    complaint = access.get_complaint_for_user(request.user, uuid)
    if permission:
        require_perm(request.user, permission)
    return complaint


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _back(complaint: Complaint) -> HttpResponse:
    return redirect("complaints:detail", uuid=complaint.uuid)


def _attempt(form: Any, call: Callable[[], Any]) -> tuple[bool, Any]:
    """Run the action; its errors land on the form. An edit conflict is said in the words
    of a complaint, and flags the form so the page offers to reload."""

    def guarded() -> Any:
        try:
            return call()
        except ConflictError:
            form.conflict = True
            raise ConflictError(str(CONFLICT)) from None

    return run_action(form, guarded)


def _page(
    request: HttpRequest,
    complaint: Complaint,
    form: Any,
    *,
    title: str,
    submit: str,
    intro: str = "",
    details: list[tuple[str, Any]] | None = None,
    danger: bool = False,
) -> HttpResponse:
    response = render(
        request,
        FORM_TEMPLATE,
        {
            "complaint": complaint,
            "form": form,
            "title": title,
            "submit": submit,
            "intro": intro,
            "details": details or [],
            "danger": danger,
            "conflict": getattr(form, "conflict", False),
        },
    )
    # the forms show what the customer said and what the bank found: keep them out of caches
    response["Cache-Control"] = "no-store"
    return response


def _shown(request: HttpRequest, complaint: Complaint, document: str, **detail: Any) -> None:
    """Record that a page shows what the bank found or why someone acted (findings, reasons):
    audited like the complaint page, once per page shown."""
    record(
        Action.VIEW_PERSONAL, actor=request.user, target=complaint,
        target_label=complaint.number, branch=complaint.outlet,
        detail={"document": document, "complaint": str(complaint.uuid), **detail},
    )  # fmt: skip


def _done(request: HttpRequest, complaint: Complaint, message: str) -> HttpResponse:
    messages.success(request, message)
    return _back(complaint)


def workflow_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, GET shows the form, POST acts; posted text (what customers said, what
    the bank found) stays out of error reports."""
    return sensitive_post_parameters()(login_required(require_http_methods(["GET", "POST"])(view)))


# --- the workflow's pages ----------------------------------------------------------------------


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


@workflow_page
def notification(request: HttpRequest, uuid: Any) -> HttpResponse:
    complaint = _complaint(request, uuid, HANDLE)
    form = NotificationForm(_data(request), complaint=complaint)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _notice = _attempt(
            form,
            lambda: actions.do_record_notification(
                request.user, complaint, kind=data["kind"], method=data["method"],
                content=data["content"], proof=data["proof"], sent_at=data["sent_at"],
                expected_version=data["version"],
            ),
        )  # fmt: skip
        if ok:
            return _done(request, complaint, _("The notification of the customer is recorded."))
    return _page(
        request, complaint, form, title=_("Record how the customer was told"), submit=_("Record"),
        intro=_(
            "Keep the proof of telling the customer of the decision or the review decision: "
            "what, when, how, and a reference someone else can check."
        ),
    )  # fmt: skip


@workflow_page
def decide(request: HttpRequest, uuid: Any) -> HttpResponse:
    complaint = _complaint(request, uuid, HANDLE)
    form = DecisionForm(_data(request), complaint=complaint)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, decision = _attempt(
            form,
            lambda: actions.do_record_decision(
                request.user, complaint, expected_version=data["version"],
                outcome=data["outcome"], findings=data["findings"], basis=data["basis"],
                root_cause=data["root_cause"], root_cause_note=data["root_cause_note"],
                remedy=data["remedy"], compensation=data["compensation"],
                recovery_actions=data["recovery_actions"],
            ),
        )  # fmt: skip
        if ok:
            return _done(
                request,
                complaint,
                _(
                    "The decision is recorded. A manager must approve the compensation before "
                    "it is final."
                )
                if decision.needs_approval
                else _("The decision is recorded."),
            )
    review = complaint.state == State.REVIEW_REQUESTED
    return _page(
        request, complaint, form,
        title=_("Record the review decision") if review else _("Record the decision"),
        submit=_("Record the decision"),
        intro=_(
            "Findings, basis and remedy are printed in the letter to the customer: write them "
            "for the customer. Compensation above %(limit)s CNY needs a manager's approval."
        ) % {"limit": settings.BRANCHCX_COMPENSATION_APPROVAL},
    )  # fmt: skip


@workflow_page
def approve_decision(request: HttpRequest, uuid: Any, decision_id: int) -> HttpResponse:
    complaint = _complaint(request, uuid, HANDLE)
    decision = access.get_decision_for_user(request.user, complaint, decision_id)
    form = ApproveForm(_data(request), complaint=complaint)
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        ok, _approved = _attempt(
            form,
            lambda: actions.do_approve_decision(request.user, decision, expected_version=version),
        )
        if ok:
            return _done(request, complaint, _("The decision is approved."))
    _shown(request, complaint, "decision_approval", decision=decision.pk)
    return _page(
        request, complaint, form, title=_("Approve the decision"), submit=_("Approve"),
        intro=_(
            "Approve only what you have read: the compensation becomes final and the customer "
            "can be told."
        ),
        details=_decision_details(decision),
    )  # fmt: skip


def _decision_details(decision: Decision) -> list[tuple[str, Any]]:
    return [
        (_("Outcome"), decision.get_outcome_display()),
        (_("Findings"), decision.findings),
        (_("Basis"), decision.basis),
        (_("Root cause"), f"{decision.root_cause} {decision.root_cause_note}".strip()),
        (_("Remedy"), decision.remedy),
        (_("Compensation (CNY)"), decision.compensation),
        (_("Service-recovery actions"), decision.recovery_actions or "—"),
        (_("Decided by"), decision.decided_by.full_name),
    ]


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


@workflow_page
def revisit(request: HttpRequest, uuid: Any, revisit_id: int) -> HttpResponse:
    complaint = _complaint(request, uuid, RECEIVE)
    call_back = access.get_revisit_for_user(request.user, complaint, revisit_id)
    if call_back.done_at is not None:
        messages.info(request, _("This revisit is already recorded."))
        return _back(complaint)
    form = RevisitForm(_data(request), complaint=complaint)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _done_revisit = _attempt(
            form,
            lambda: actions.do_record_revisit(
                request.user, call_back, method=data["method"],
                satisfaction=data["satisfaction"], note=data["note"],
                expected_version=data["version"],
            ),
        )  # fmt: skip
        if ok:
            reopened = (
                data["satisfaction"] <= actions.UNSATISFIED and complaint.state == State.CLOSED
            )
            return _done(
                request,
                complaint,
                _("The customer is not satisfied: the complaint is open again for investigation.")
                if reopened
                else _("The revisit is recorded."),
            )
    return _page(
        request, complaint, form, title=_("Record the revisit"), submit=_("Record"),
        intro=_(
            "Ask how satisfied the customer is with the handling. A satisfaction of 2 or less "
            "reopens the complaint with a new 15-day clock."
        ),
        details=[(_("Due"), call_back.due_on), (_("Assigned to"), call_back.assigned_to.full_name)],
    )  # fmt: skip


@csrf_exempt  # checked by _attachment_upload, once the size limit is in place
def attachment_upload(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Evidence for a complaint. The size limit must be installed before anything reads the
    body, and the CSRF check reads it: so, as Django's documentation on upload handlers
    advises, this view is exempt and the view it calls is protected."""
    limit = AttachmentLimit(request)
    # assigned, not inserted: Django refuses the assignment once the body has been read
    request.upload_handlers = [limit, *request.upload_handlers]
    return _attachment_upload(request, uuid, limit)


@csrf_protect
@workflow_page
def _attachment_upload(request: HttpRequest, uuid: Any, limit: AttachmentLimit) -> HttpResponse:
    complaint = _complaint(request, uuid, RECEIVE)
    form = AttachmentForm(
        _data(request),
        request.FILES if request.method == "POST" else None,
        too_large=limit.exceeded,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # one byte past the limit is enough for the action to refuse an oversize file
        data = upload.read(files.max_bytes() + 1)
        ok, _attachment = _attempt(
            form,
            lambda: actions.do_add_attachment(
                request.user, complaint, filename=upload.name or "", data=data,
                description=form.cleaned_data["description"],
            ),
        )  # fmt: skip
        if ok:
            return _done(request, complaint, _("The file is attached."))
    return _page(
        request, complaint, form, title=_("Attach evidence"), submit=_("Attach"),
        intro=_(
            "Accepted: %(kinds)s, up to %(mb)s MB. The type is read from the file itself, not "
            "its name. Attachments are sealed and never removed."
        ) % {"kinds": files.accepted_names(), "mb": f"{files.max_bytes() / 1024 / 1024:g}"},
    )  # fmt: skip


@login_required
@require_GET
def attachment_download(request: HttpRequest, uuid: Any, attachment_uuid: Any) -> HttpResponse:
    """The file as filed, decrypted; every download is an audit event."""
    complaint = _complaint(request, uuid, None)
    attachment = access.get_attachment_for_user(request.user, complaint, attachment_uuid)
    data = actions.attachment_bytes(attachment)
    record(
        Action.VIEW_PERSONAL, actor=request.user, target=attachment,
        target_label=complaint.number, branch=complaint.outlet,
        detail={"document": "attachment", "complaint": str(complaint.uuid)},
    )  # fmt: skip
    response = HttpResponse(data, content_type=attachment.content_type)
    # never shown inline, never reinterpreted by the browser, never kept in a cache
    disposition = content_disposition_header(True, attachment.filename or "attachment")
    response["Content-Disposition"] = disposition or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


# --- the decision letter -------------------------------------------------------------------------


@login_required
@require_GET
def decision_letter(request: HttpRequest, uuid: Any, decision_id: int) -> HttpResponse:
    """《投诉处理决定告知书》: the decision as the customer receives it, ready to print. The
    letter names the complainant in full, so reading it is an audit event."""
    complaint = _complaint(request, uuid, None)
    decision = access.get_decision_for_user(request.user, complaint, decision_id)
    record(
        Action.VIEW_PERSONAL, actor=request.user, target=complaint,
        target_label=complaint.number, branch=complaint.outlet,
        detail={"document": "decision_letter", "decision": decision.pk},
    )  # fmt: skip
    latest = complaint.decisions.filter(kind=decision.kind).order_by("-decided_at", "-pk").first()
    customer = complaint.customer
    outlet = complaint.outlet
    response = render(
        request,
        "complaints/workflow/decision_letter.html",
        {
            "complaint": complaint,
            "decision": decision,
            "is_review": decision.kind == Decision.Kind.REVIEW,
            "complainant": complaint.complainant_name or (customer.name if customer else ""),
            "bank_name": settings.BRANCHCX_BANK_NAME,
            "branch": outlet.parent,
            "outlet": outlet,
            "dated": timezone.localtime(decision.approved_at or decision.decided_at),
            "draft": not decision.is_final,
            "superseded": latest is not None and latest.pk != decision.pk,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


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
