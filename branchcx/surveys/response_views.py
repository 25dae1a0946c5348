"""Survey responses for staff: the list of the scope's responses (masked), one response with
its answers (audited), and the list as a masked Excel workbook (audited)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from branchcx.audit.actions import Action, record
from branchcx.lib.masking import mask_mobile, mask_name
from branchcx.lib.paging import page_of, query_without_page
from branchcx.org.models import Branch
from branchcx.org.scoping import require_perm
from branchcx.surveys import access, queries
from branchcx.surveys.exports import EXPORT_PERMISSION, export_responses
from branchcx.surveys.models import Response, Survey

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VIEW_PERMISSION = "surveys.view_response"


class ResponseFilterForm(forms.Form):
    survey = forms.ModelChoiceField(
        label=_("Survey"), queryset=Survey.objects.none(), to_field_name="code", required=False,
        empty_label=_("All surveys"),
    )  # fmt: skip
    outlet = forms.ModelChoiceField(
        label=_("Outlet"), queryset=Branch.objects.none(), to_field_name="code", required=False,
        empty_label=_("All outlets"),
    )  # fmt: skip
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    who = forms.ChoiceField(
        label=_("Respondents"),
        required=False,
        choices=[("", _("Everyone")), ("identified", _("Identified")),
                 ("anonymous", _("Anonymous"))],
    )  # fmt: skip

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        outlets = Branch.objects.visible_to(user).filter(level=Branch.Level.OUTLET)
        self.fields["survey"].queryset = Survey.objects.order_by("code")  # type: ignore[attr-defined]
        self.fields["outlet"].queryset = outlets.order_by("path")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the period comes before its start."))
        return data

    def narrow(self, responses: QuerySet[Response]) -> QuerySet[Response]:
        data = self.cleaned_data
        exact = {
            "survey": data.get("survey"),
            "outlet": data.get("outlet"),
            "submitted_on__gte": data.get("start"),
            "submitted_on__lte": data.get("end"),
        }
        responses = responses.filter(**{k: v for k, v in exact.items() if v is not None})
        if data.get("who") == "identified":
            responses = responses.filter(is_anonymous=False)
        elif data.get("who") == "anonymous":
            responses = responses.filter(is_anonymous=True)
        return responses

    def as_audit(self) -> dict[str, str]:
        """The filters as codes and days (what the audit log and the workbook keep)."""
        data = self.cleaned_data
        return {
            "survey": data["survey"].code if data.get("survey") else "",
            "outlet": data["outlet"].code if data.get("outlet") else "",
            "start": data["start"].isoformat() if data.get("start") else "",
            "end": data["end"].isoformat() if data.get("end") else "",
            "who": data.get("who") or "",
        }


def _filtered(request: HttpRequest) -> tuple[ResponseFilterForm, QuerySet[Response]]:
    responses = access.responses_for_user(request.user)
    form = ResponseFilterForm(request.user, request.GET or None)
    if form.is_valid():
        responses = form.narrow(responses)
    elif form.is_bound:
        responses = responses.none()
    # one customer's answers (the 360 panel links here): identified ones only, by definition
    customer = request.GET.get("customer", "")
    if customer:
        try:
            responses = responses.filter(customer__uuid=UUID(customer), is_anonymous=False)
        except ValueError:
            responses = responses.none()
    return form, responses.order_by("-submitted_on", "-pk")


def _who(response: Response) -> str:
    """The respondent as staff may see them: a masked name, or nothing when anonymous."""
    if response.is_anonymous:
        return ""
    if response.customer is not None:
        return mask_name(response.customer.name or "")
    return mask_name(response.contact_name or "")


@login_required
@require_GET
def response_list(request: HttpRequest) -> HttpResponse:
    """Submitted responses of the user's scope, newest first, with their headline answers."""
    require_perm(request.user, VIEW_PERMISSION)
    form, responses = _filtered(request)
    page = page_of(request, responses)
    return render(
        request,
        "surveys/responses/list.html",
        {
            "form": form,
            "page": page,
            "rows": [{"response": r, "name": _who(r)} for r in page],
            "query": query_without_page(request),
            "can_export": request.user.has_perm(EXPORT_PERMISSION),
        },
    )


@login_required
@require_GET
def response_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    """One response with every answer under its question's wording, comments included (an
    audited view of personal data), and the follow-up it created, if any."""
    require_perm(request.user, VIEW_PERMISSION)
    response = access.get_response(request.user, uuid)
    record(Action.VIEW_PERSONAL, actor=request.user, target=response,
           target_label=f"{response.survey.code} {response.outlet.code}")  # fmt: skip
    lines = queries.answer_lines(
        response.survey_version.parsed(), access.response_answers(response)
    )
    follow_up = getattr(response, "follow_up", None)
    page = render(
        request,
        "surveys/responses/detail.html",
        {
            "response": response,
            "name": _who(response),
            "contact_mobile": mask_mobile(response.contact_mobile or "")
            if not response.is_anonymous and response.customer is None
            else "",
            "lines": lines,
            "dimensions": list(access.response_dimensions(response)),
            "follow_up": follow_up,
            "can_follow_up": follow_up is not None
            and request.user.has_perm("surveys.view_followup"),
        },
    )
    page["Cache-Control"] = "no-store"
    return page


@login_required
@require_GET
def response_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as a masked Excel workbook (audited)."""
    require_perm(request.user, EXPORT_PERMISSION)
    form, responses = _filtered(request)
    back = f"{reverse('surveys:responses')}?{query_without_page(request)}"
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Correct the filters to export."))
        return redirect(back)
    try:
        content, _rows = export_responses(
            request.user, responses, filters=form.as_audit() if form.is_bound else {}
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    answer = HttpResponse(content, content_type=XLSX)
    answer["Content-Disposition"] = f'attachment; filename="survey-responses-{stamp}.xlsx"'
    answer["Cache-Control"] = "no-store"
    return answer
