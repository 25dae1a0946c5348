"""The pages that record for a complaint: telling the customer, decisions and approval, the
revisit, attachments (upload within the size limit, download) and the printable decision
letter."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET

from branchcx.audit.actions import Action, record
from branchcx.complaints import access, actions, files
from branchcx.complaints.models import (
    Decision,
    State,
)
from branchcx.complaints.uploads import AttachmentLimit
from branchcx.complaints.workflow_buttons import (
    HANDLE,
    RECEIVE,
)
from branchcx.complaints.workflow_forms import (
    ApproveForm,
    AttachmentForm,
    DecisionForm,
    NotificationForm,
    RevisitForm,
)
from branchcx.complaints.workflow_views.common import (
    _attempt,
    _back,
    _complaint,
    _data,
    _done,
    _page,
    _shown,
    workflow_page,
)


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
