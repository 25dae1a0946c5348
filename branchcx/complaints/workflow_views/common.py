"""What the workflow's pages share: fetching the complaint in scope, the form page, running
the action with its refusals on the form, and the message on success."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from branchcx.audit.actions import Action, record
from branchcx.complaints import access
from branchcx.complaints.models import (
    Complaint,
)
from branchcx.complaints.workflow_buttons import (
    HANDLE,
    RECEIVE,
)
from branchcx.lib.errors import ConflictError
from branchcx.lib.forms import run_action
from branchcx.org.roles import ROLE_PERMISSIONS
from branchcx.org.scoping import require_perm

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
