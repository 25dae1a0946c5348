"""Survey management pages for staff: /surveys/manage/…

- the surveys (network-wide questionnaires) with their use in the user's scope, and for head
  office: a new survey, the wording of a draft as JSON, publishing and closing;
- distribution rules of the user's units (head office all, branch managers their own);
- the outlets' lobby QR codes, with a printable stand;
- and, from a customer's page, an invitation sent (or handed over) by hand.

Each view: permission (403) and scoped fetch (404), one action, render. Edits carry the
version the user read: a stale one is refused (409) instead of overwriting a colleague's.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branchcx.audit.actions import Action, record
from branchcx.customers import access as customer_access
from branchcx.customers.actions import customer_label
from branchcx.customers.models import Customer, Transaction
from branchcx.lib.errors import ConflictError
from branchcx.lib.forms import run_action
from branchcx.lib.masking import mask_email, mask_mobile, mask_name
from branchcx.lib.paging import page_of, query_without_page
from branchcx.org.access import own_staff_profile
from branchcx.org.models import Branch
from branchcx.org.scoping import require_perm
from branchcx.surveys import access, actions
from branchcx.surveys.definition import AnswerError, Definition, check_answers
from branchcx.surveys.manage_forms import (
    DraftForm,
    FeedbackCodeForm,
    InviteForm,
    RuleForm,
    SurveyCreateForm,
    VersionForm,
)
from branchcx.surveys.models import Dimension, Invitation, Survey, SurveyVersion
from branchcx.surveys.public_views import _questions, read_answers

T = "surveys/manage/"
CONFLICT = 409

# --- surveys ---------------------------------------------------------------------------------


@login_required
@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "surveys.view_survey")
    return render(
        request,
        T + "survey_list.html",
        {
            "surveys": access.surveys_overview(request.user),
            "can_add": request.user.has_perm("surveys.add_survey"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_add(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "surveys.add_survey")
    copies = [s for s in access.surveys_overview(request.user) if s.current_number]  # type: ignore[attr-defined]
    form = SurveyCreateForm(request.POST or None, copies=copies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved, survey = run_action(
            form,
            lambda: actions.do_create_survey(
                request.user, code=data["code"], kind=data["kind"], name=data["name"],
                name_en=data["name_en"], allow_anonymous=data["allow_anonymous"],
                invitation_days=data["invitation_days"], document=form.document(),
            ),
        )  # fmt: skip
        if saved:
            messages.success(
                request,
                _("Survey %(code)s created as a draft: check its wording, then publish it.")
                % {"code": survey.code},
            )
            return redirect("surveys:survey", code=survey.code)
    return render(request, T + "survey_add.html", {"form": form})


def _survey_page(
    request: HttpRequest,
    survey: Survey,
    *,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    versions = access.versions_with_counts(request.user, survey)
    current = next((v for v in versions if v.published_at is not None), None)
    draft = next((v for v in versions if v.published_at is None), None)
    shown = current or draft
    wanted = request.GET.get("version", "")
    if wanted.isdigit():
        shown = next((v for v in versions if v.number == int(wanted)), shown)
    return render(
        request,
        T + "survey_detail.html",
        {
            "survey": survey,
            "versions": versions,
            "current": current,
            "draft": draft,
            "shown": shown,
            "outline": _outline(shown.parsed()) if shown else [],
            "can_change": request.user.has_perm("surveys.change_survey"),
            "error": error,
        },
        status=status,
    )


@login_required
@require_GET
def survey_detail(request: HttpRequest, code: str) -> HttpResponse:
    require_perm(request.user, "surveys.view_survey")
    return _survey_page(request, access.get_survey(code))


TYPE_LABELS = {
    "scale": gettext_lazy("Scale"),
    "nps": gettext_lazy("Likelihood to recommend (0-10)"),
    "csat": gettext_lazy("Satisfaction (1-5)"),
    "ces": gettext_lazy("Effort (1-7)"),
    "single": gettext_lazy("One choice"),
    "multiple": gettext_lazy("Several choices"),
    "text": gettext_lazy("Free text"),
    "pair": gettext_lazy("Expectation and perception"),
    "zone": gettext_lazy("Zone of tolerance (adequate and desired)"),
    "importance": gettext_lazy("100 points shared among dimensions"),
}
ROLE_LABELS = {
    "overall": gettext_lazy("overall satisfaction"),
    "expectation": gettext_lazy("expectation"),
    "perception": gettext_lazy("perception"),
    "adequate": gettext_lazy("adequate level"),
    "desired": gettext_lazy("desired level"),
}
OPERATORS = {"eq": "=", "ne": "≠", "in": "∈", "not_in": "∉", "lte": "≤", "gte": "≥"}


def _outline(definition: Definition) -> list[dict[str, Any]]:
    """The questionnaire as a reader checks it: per section, each question with its type,
    scale, what it measures and when it is shown."""
    dimensions = dict(Dimension.choices)
    outline = []
    for section in definition.sections:
        rows = []
        for q in section.questions:
            bounds = q.bounds
            condition = q.show_if
            rows.append(
                {
                    "q": q,
                    "type": TYPE_LABELS.get(q.type, q.type),
                    "scale": f"{bounds[0]}-{bounds[1]}" if bounds else "",
                    "scale_labels": [str(t) for t in (q.scale.min_label, q.scale.max_label)]
                    if q.scale and q.scale.min_label and q.scale.max_label
                    else [],
                    "dimension": dimensions.get(q.dimension, "") if q.dimension else "",
                    "role": ROLE_LABELS.get(q.role, "") if q.type == "scale" else "",
                    "choices": [f"{c.value}: {c.label}" for c in q.choices],
                    "condition": (
                        f"{condition.question} {OPERATORS[condition.op]} "
                        + json.dumps(condition.value, ensure_ascii=False)
                    )
                    if condition
                    else "",
                }
            )
        outline.append({"section": section, "rows": rows})
    return outline


@login_required
@require_http_methods(["GET", "POST"])
def survey_edit(request: HttpRequest, code: str) -> HttpResponse:
    """The draft's wording as JSON: a live survey's edit starts a new draft version (its
    answers keep the version they answered)."""
    survey = access.get_survey(code)
    require_perm(request.user, "surveys.change_survey")
    status = 200
    if request.method == "POST":
        form = DraftForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                draft = actions.do_save_draft(
                    request.user,
                    survey,
                    data["definition"],
                    expected_version=data["version"],
                )
            except ConflictError as exc:
                form.add_error(None, str(exc))
                status = CONFLICT
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("definition", message)
            else:
                messages.success(request, _("Draft version %(n)d saved.") % {"n": draft.number})
                return redirect("surveys:survey", code=survey.code)
        if status == 200 and form.errors:
            status = 422
    else:
        latest = survey.versions.order_by("-number").first()
        form = DraftForm(
            initial={
                "definition": json.dumps(
                    latest.definition if latest else {}, ensure_ascii=False, indent=2
                ),
                "version": survey.version,
            }
        )
    latest_number = survey.versions.order_by("-number").values_list("number", flat=True).first()
    return render(
        request,
        T + "survey_edit.html",
        {"survey": survey, "form": form, "latest_number": latest_number},
        status=status,
    )


def _version_action(request: HttpRequest, code: str, action: Any, done: str) -> HttpResponse:
    survey = access.get_survey(code)
    require_perm(request.user, "surveys.change_survey")
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _survey_page(request, survey, status=400, error=_("Reload the page and retry."))
    try:
        action(request.user, survey, expected_version=form.cleaned_data["version"])
    except ConflictError as exc:
        return _survey_page(request, survey, status=CONFLICT, error=str(exc))
    except ValidationError as exc:
        return _survey_page(request, survey, status=422, error=" ".join(exc.messages))
    messages.success(request, done)
    return redirect("surveys:survey", code=survey.code)


@login_required
@require_POST
def survey_publish(request: HttpRequest, code: str) -> HttpResponse:
    return _version_action(
        request,
        code,
        actions.do_publish,
        _("Published: new respondents answer this version; earlier answers keep theirs."),
    )


@login_required
@require_POST
def survey_close(request: HttpRequest, code: str) -> HttpResponse:
    return _version_action(
        request,
        code,
        actions.do_close_survey,
        _("Closed: open links and lobby codes now say the survey has ended."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_preview(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """A version as a respondent sees it, page by page; nothing is saved."""
    survey = access.get_survey(code)
    require_perm(request.user, "surveys.view_survey")
    version: SurveyVersion = access.get_version(survey, number)
    definition = version.parsed()
    sections = list(definition.sections)
    page = request.GET.get("page", "1")
    index = min(max(int(page) - 1, 0), len(sections) - 1) if page.isdigit() else 0
    section = sections[index]
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = read_answers(section, request.POST)
        try:
            check_answers(definition, values, section=section.key)
        except AnswerError as exc:
            errors = exc.errors
        else:
            if index + 1 < len(sections):
                return redirect(f"{request.path}?page={index + 2}")
            messages.info(request, _("End of the preview: nothing was saved."))
            return redirect(f"{request.path}?page=1")
    return render(
        request,
        T + "preview.html",
        {
            "survey": survey,
            "version": version,
            "definition": definition,
            "section": section,
            "questions": _questions(section, values, errors),
            "errors": errors,
            "page_errors": [],
            "page_number": index + 1,
            "page_count": len(sections),
            "progress": round(100 * index / len(sections)),
            "offer_anonymity": survey.allow_anonymous and index == 0,
            "offer_contact": False,
            "post": {},
            "outlet": None,
        },
        status=422 if errors else 200,
    )


# --- distribution rules ------------------------------------------------------------------------


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "surveys.view_distributionrule")
    rules = access.rules_for_user(request.user)
    show = request.GET.get("show", "active")
    if show == "active":
        rules = rules.filter(is_active=True)
    page = page_of(request, rules.order_by("survey__code", "unit__path", "trigger", "pk"))
    kinds = dict(Transaction.Kind.choices)
    return render(
        request,
        T + "rules.html",
        {
            "page": page,
            "rows": [
                {"rule": r, "kinds": [kinds.get(k, k) for k in r.transaction_kinds]} for r in page
            ],
            "show": show,
            "query": query_without_page(request),
            "can_add": request.user.has_perm("surveys.add_distributionrule"),
            "can_change": request.user.has_perm("surveys.change_distributionrule"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_add(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "surveys.add_distributionrule")
    form = RuleForm(
        request.POST or None,
        surveys=access.open_surveys(),
        units=access.units_for_user(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved, rule = run_action(
            form,
            lambda: actions.do_add_rule(
                request.user, survey=data["survey"], unit=data["unit"], trigger=data["trigger"],
                channel=data["channel"], sample_percent=data["sample_percent"],
                daily_quota=data["daily_quota"], transaction_kinds=data["transaction_kinds"],
            ),
        )  # fmt: skip
        if saved:
            messages.success(request, _("Rule added: %(rule)s.") % {"rule": _rule_label(rule)})
            return redirect("surveys:rules")
    return render(request, T + "rule_add.html", {"form": form}, status=422 if form.errors else 200)


def _rule_label(rule: Any) -> str:
    return f"{rule.survey.name} · {rule.unit.name} · {rule.get_trigger_display()}"


@login_required
@require_POST
def rule_switch(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch a rule off or on (``active`` = 0 or 1), from the version the user saw."""
    rule = access.get_rule(request.user, pk)
    require_perm(request.user, "surveys.change_distributionrule")
    form = VersionForm(request.POST)
    active = request.POST.get("active")
    if not form.is_valid() or active not in ("0", "1"):
        messages.error(request, _("Reload the page and retry."))
        return redirect("surveys:rules")
    try:
        actions.do_set_rule_active(
            request.user, rule, active=active == "1", expected_version=form.cleaned_data["version"]
        )
    except ConflictError as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('surveys:rules')}?show=all")
    if active == "1":
        messages.success(request, _("Rule in use again: %(rule)s.") % {"rule": _rule_label(rule)})
    else:
        messages.success(
            request,
            _("Rule switched off: it sends no more invitations. %(rule)s.")
            % {"rule": _rule_label(rule)},
        )
    return redirect(f"{reverse('surveys:rules')}?show=all")


# --- lobby QR codes ----------------------------------------------------------------------------


@login_required
@require_GET
def feedback_code_list(request: HttpRequest) -> HttpResponse:
    """The outlets' lobby codes in scope (the codes themselves only on the print page: they
    are what a customer scans, not for staff URLs or screenshots)."""
    require_perm(request.user, "surveys.view_feedbackcode")
    codes = access.feedback_codes_for_user(request.user)
    show = request.GET.get("show", "active")
    if show == "active":
        codes = codes.filter(is_active=True)
    can_add = request.user.has_perm("surveys.add_feedbackcode")
    form = (
        FeedbackCodeForm(
            surveys=access.open_surveys(), outlets=access.outlets_for_user(request.user)
        )
        if can_add
        else None
    )
    page = page_of(request, codes.order_by("outlet__path", "survey__code", "-created_at", "-pk"))
    return render(
        request,
        T + "feedback_codes.html",
        {
            "page": page,
            "show": show,
            "query": query_without_page(request),
            "form": form,
            "can_change": request.user.has_perm("surveys.change_feedbackcode"),
        },
    )


@login_required
@require_POST
def feedback_code_issue(request: HttpRequest) -> HttpResponse:
    """A new code for an outlet's stand; the outlet's previous code for the survey stops."""
    require_perm(request.user, "surveys.add_feedbackcode")
    form = FeedbackCodeForm(
        request.POST, surveys=access.open_surveys(), outlets=access.outlets_for_user(request.user)
    )
    if form.is_valid():
        saved, lobby = run_action(
            form,
            lambda: actions.do_issue_feedback_code(
                request.user, survey=form.cleaned_data["survey"], outlet=form.cleaned_data["outlet"]
            ),
        )
        if saved:
            messages.success(
                request,
                _("New code issued for %(outlet)s: print the stand; the previous print no longer "
                  "works.") % {"outlet": lobby.outlet.name},
            )  # fmt: skip
            return redirect("surveys:lobby_print", pk=lobby.pk)
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, str(message))
    return redirect("surveys:feedback_codes")


@login_required
@require_POST
def feedback_code_retire(request: HttpRequest, pk: int) -> HttpResponse:
    lobby = access.get_feedback_code(request.user, pk)
    require_perm(request.user, "surveys.change_feedbackcode")
    actions.do_retire_feedback_code(request.user, lobby)
    messages.success(
        request,
        _("The code of %(outlet)s for %(survey)s is retired: its QR code no longer opens the "
          "survey.") % {"outlet": lobby.outlet.name, "survey": lobby.survey.name},
    )  # fmt: skip
    return redirect("surveys:feedback_codes")


@login_required
@require_GET
def feedback_code_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The stand for the outlet's lobby: its name, the QR code, the short URL and an
    invitation in Chinese and English; A5 or A4 from the browser's print dialogue."""
    lobby = access.get_feedback_code(request.user, pk)
    require_perm(request.user, "surveys.view_feedbackcode")
    url = actions.lobby_url(lobby)
    response = render(
        request,
        T + "lobby_print.html",
        {
            "lobby": lobby,
            "url": url,
            "short_url": url.split("://", 1)[-1],
            "qr": actions.qr_svg(url, scalable=True),
            "size": "a4" if request.GET.get("size") == "a4" else "a5",
        },
    )
    response["Cache-Control"] = "no-store"
    return response


# --- invitations by hand -----------------------------------------------------------------------


def _invite_outlet(user: Any, customer: Customer) -> Branch:
    """On whose behalf: the member of staff's own outlet, or the customer's home outlet for
    staff of a branch or head office."""
    profile = own_staff_profile(user)
    if profile is not None and profile.branch.level == Branch.Level.OUTLET:
        return profile.branch
    return customer.home_outlet


def _channels(customer: Customer) -> list[tuple[str, str]]:
    """The channels, each saying the (masked) address it would use, or that there is none."""
    mobile, email = customer.mobile or "", customer.email or ""
    none = _("no address on file")
    return [
        (
            Invitation.Channel.SMS.value,
            f"{Invitation.Channel.SMS.label} ({mask_mobile(mobile) if mobile else none})",
        ),
        (
            Invitation.Channel.EMAIL.value,
            f"{Invitation.Channel.EMAIL.label} ({mask_email(email) if email else none})",
        ),
        (Invitation.Channel.PRINTED.value, str(Invitation.Channel.PRINTED.label)),
    ]


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, customer: Any) -> HttpResponse:
    """Invite one customer to a survey. For an invitation handed over, the link and its QR
    code are shown once, on the answer to the POST: the token is kept nowhere."""
    found = customer_access.get_customer_for_user(request.user, customer)
    require_perm(request.user, "surveys.add_invitation")
    form = InviteForm(request.POST or None, surveys=access.live_surveys(),
                      channels=_channels(found))  # fmt: skip
    outlet = _invite_outlet(request.user, found)
    context: dict[str, Any] = {"customer": found, "name": mask_name(found.name or ""),
                               "outlet": outlet, "form": form}  # fmt: skip
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            saved, result = run_action(
                form,
                lambda: actions.do_invite_by_hand(
                    request.user, data["survey"], found, outlet=outlet, channel=data["channel"]
                ),
            )
            if saved:
                invitation, token = result
                if invitation.channel != Invitation.Channel.PRINTED:
                    messages.success(
                        request,
                        _("Invitation to %(survey)s queued by %(channel)s.")
                        % {"survey": invitation.survey.name,
                           "channel": invitation.get_channel_display()},
                    )  # fmt: skip
                    return redirect("customers:detail", uuid=found.uuid)
                url = actions.invitation_url(token)
                context |= {"invitation": invitation, "url": url, "qr": actions.qr_svg(url)}
        if form.errors:
            status = 422
    else:
        record(Action.VIEW_PERSONAL, actor=request.user, target=found,
               target_label=customer_label(found), detail={"page": "survey_invite"})  # fmt: skip
    response = render(request, T + "invite.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response
