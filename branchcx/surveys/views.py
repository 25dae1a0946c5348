"""Survey pages for staff: the follow-ups unhappy answers created."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from branchcx.audit.actions import Action, record
from branchcx.lib.forms import run_action
from branchcx.lib.masking import mask_name, mask_text
from branchcx.lib.paging import page_of, query_without_page
from branchcx.org.scoping import require_perm
from branchcx.surveys import access, actions
from branchcx.surveys.forms import FollowUpForm
from branchcx.surveys.models import FollowUp

SHOWN = {"open": [FollowUp.State.OPEN, FollowUp.State.CONTACTED], "closed": [FollowUp.State.CLOSED]}


@login_required
@require_GET
def follow_up_list(request: HttpRequest) -> HttpResponse:
    """The outlet's queue: open follow-ups, the overdue first."""
    require_perm(request.user, "surveys.view_followup")
    show = request.GET.get("show", "open")
    follow_ups = access.follow_ups_for_user(request.user)
    if show in SHOWN:
        follow_ups = follow_ups.filter(state__in=SHOWN[show])
    page = page_of(request, follow_ups.order_by("due_at", "pk"))
    now = timezone.now()
    return render(
        request,
        "surveys/follow_up_list.html",
        {
            "page": page,
            "rows": [
                {
                    "follow_up": f,
                    "name": mask_name(f.customer.name) if f.customer else "",
                    "overdue": f.state != FollowUp.State.CLOSED and f.due_at < now,
                    "reasons": [FollowUp.Reason(r).label for r in f.reasons],
                }
                for f in page
            ],
            "show": show,
            "query": query_without_page(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    """One follow-up with the customer's answers and comments (audited), and the form to
    record the contact."""
    require_perm(request.user, "surveys.view_followup")
    follow_up = access.get_follow_up(request.user, uuid)
    form = FollowUpForm(request.POST or None, initial={"version": follow_up.version})
    if request.method == "POST":
        require_perm(request.user, "surveys.change_followup")
        if form.is_valid():
            data = form.cleaned_data
            saved, _changed = run_action(
                form,
                lambda: actions.do_record_follow_up(
                    request.user, follow_up, expected_version=data["version"],
                    method=data["method"], outcome=data["outcome"], close=data["close"],
                ),
            )  # fmt: skip
            if saved:
                messages.success(request, _("Recorded."))
                return redirect("surveys:follow_up", uuid=follow_up.uuid)
    record(Action.VIEW_PERSONAL, actor=request.user, target=follow_up,
           target_label=str(follow_up.outlet))  # fmt: skip
    definition = follow_up.response.survey_version.parsed()
    texts = {q.key: str(q.text) for q in definition.questions()}
    response = render(
        request,
        "surveys/follow_up_detail.html",
        {
            "follow_up": follow_up,
            "name": mask_name(follow_up.customer.name) if follow_up.customer else "",
            "reasons": [FollowUp.Reason(r).label for r in follow_up.reasons],
            "answers": [
                {
                    "question": texts.get(a.question_key, a.question_key),
                    "answer": a,
                    "text": mask_text(a.text),
                }
                for a in access.answers_of(follow_up)
            ],
            "form": form,
            "can_change": request.user.has_perm("surveys.change_followup")
            and follow_up.state != FollowUp.State.CLOSED,
            "overdue": follow_up.state != FollowUp.State.CLOSED
            and follow_up.due_at < timezone.now(),
        },
    )
    response["Cache-Control"] = "no-store"
    return response
