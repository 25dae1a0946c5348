"""Pages where head office keeps the complaint reference data, and branch managers their
units' assignment rules: /complaints/settings/...

Each view: check the section's permission (403), fetch in scope (404), call one action from
``reference.py``, render. Validation errors come back from the action onto the form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import RedirectView

from branchcx.complaints import reference
from branchcx.complaints.models import (
    Classification,
    HandlingGuidance,
    Priority,
    RootCause,
    ServiceTarget,
)
from branchcx.complaints.reference_forms import (
    CategoryGuidanceForm,
    CauseForm,
    CodeForm,
    GuidanceForm,
    RuleForm,
    TargetForm,
    UnitChoiceForm,
)
from branchcx.customers.models import Interaction, Temperament
from branchcx.lib.forms import run_action
from branchcx.lib.paging import page_of, query_without_page
from branchcx.org import access as org_access
from branchcx.org.calendar import unknown_next_year
from branchcx.org.scoping import require_perm

TEMPLATES = "complaints/settings/"


def _form_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """The one form template: title, form, where Cancel goes (a URL or a URL name), an
    optional note."""
    context["cancel_url"] = resolve_url(context["cancel_url"])
    return render(request, TEMPLATES + "form.html", context)


def _flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- index -----------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    sections = reference.sections_for(request.user)
    if not sections:
        raise PermissionDenied
    calendar = any(s.key == "calendar" for s in sections)
    return render(
        request,
        TEMPLATES + "index.html",
        {
            "sections": sections,
            "unknown_year": unknown_next_year() if calendar else None,
        },
    )


# --- classification codes --------------------------------------------------------------------


def _code_or_404(axis: str, code: str) -> Classification:
    try:
        return Classification.objects.get(axis=axis, code=code)
    except Classification.DoesNotExist:
        raise Http404 from None


@login_required
def code_list(request: HttpRequest) -> HttpResponse:
    reference.require_read(request.user, "codes")
    axis = request.GET.get("axis", "")
    if axis not in Classification.Axis.values:
        axis = Classification.Axis.CHANNEL
    return render(
        request,
        TEMPLATES + "codes.html",
        {
            "axes": Classification.Axis.choices,
            "axis": axis,
            "axis_label": Classification.Axis(axis).label,
            "codes": Classification.objects.filter(axis=axis),
            "can_add": reference.can_keep(request.user, "complaints.add_classification"),
            "can_change": reference.can_keep(request.user, "complaints.change_classification"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def code_add(request: HttpRequest) -> HttpResponse:
    reference.require_keeper(request.user, "complaints.add_classification")
    axis = request.GET.get("axis", "")
    form = CodeForm(request.POST or None, initial={"axis": axis})
    if request.method == "POST" and form.is_valid():
        saved, created = run_action(
            form, lambda: reference.do_add_code(request.user, **form.cleaned_data)
        )
        if saved:
            messages.success(request, _("Code %(code)s added.") % {"code": created.code})
            return redirect(_codes_url(created.axis))
    return _form_page(
        request,
        {
            "form": form,
            "title": _("New classification code"),
            "section": reference.SECTION_BY_KEY["codes"],
            "cancel_url": _codes_url(axis or Classification.Axis.CHANNEL),
        },
    )


def _codes_url(axis: str) -> str:
    return f"{reverse('complaints:ref_codes')}?axis={axis}"


@login_required
@require_http_methods(["GET", "POST"])
def code_edit(request: HttpRequest, axis: str, code: str) -> HttpResponse:
    reference.require_keeper(request.user, "complaints.change_classification")
    existing = _code_or_404(axis, code)
    if request.method == "POST":
        form = CodeForm(request.POST, editing=True)
        if form.is_valid():
            data = form.cleaned_data
            saved, _updated = run_action(
                form,
                lambda: reference.do_update_code(
                    request.user,
                    existing,
                    expected_version=data["version"],
                    new_code=data["code"],
                    name=data["name"],
                    name_en=data["name_en"],
                    sort_order=data["sort_order"],
                ),
            )
            if saved:
                messages.success(request, _("Saved."))
                return redirect(_codes_url(existing.axis))
    else:
        form = CodeForm(initial=CodeForm.initial_for(existing), editing=True)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("Edit code %(code)s (%(axis)s)")
            % {"code": existing.code, "axis": existing.get_axis_display()},
            "section": reference.SECTION_BY_KEY["codes"],
            "cancel_url": _codes_url(existing.axis),
        },
    )


def _set_code_active(request: HttpRequest, axis: str, code: str, *, active: bool) -> HttpResponse:
    reference.require_keeper(request.user, "complaints.change_classification")
    existing = _code_or_404(axis, code)
    reference.do_set_code_active(request.user, existing, active=active)
    if active:
        messages.success(request, _("Code %(code)s is in use again.") % {"code": existing.code})
    else:
        messages.success(
            request,
            _("Code %(code)s retired: new complaints can no longer use it.")
            % {"code": existing.code},
        )
    return redirect(_codes_url(existing.axis))


@login_required
@require_POST
def code_retire(request: HttpRequest, axis: str, code: str) -> HttpResponse:
    return _set_code_active(request, axis, code, active=False)


@login_required
@require_POST
def code_reactivate(request: HttpRequest, axis: str, code: str) -> HttpResponse:
    return _set_code_active(request, axis, code, active=True)


# --- root causes -------------------------------------------------------------------------------


def _cause_or_404(code: str) -> RootCause:
    try:
        return RootCause.objects.select_related("parent").get(code=code)
    except RootCause.DoesNotExist:
        raise Http404 from None


@login_required
def cause_list(request: HttpRequest) -> HttpResponse:
    reference.require_read(request.user, "causes")
    rows = reference.cause_tree(list(RootCause.objects.all()))
    return render(
        request,
        TEMPLATES + "causes.html",
        {
            "rows": rows,
            "can_add": reference.can_keep(request.user, "complaints.add_rootcause"),
            "can_change": reference.can_keep(request.user, "complaints.change_rootcause"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def cause_add(request: HttpRequest) -> HttpResponse:
    reference.require_keeper(request.user, "complaints.add_rootcause")
    parents = RootCause.objects.filter(is_active=True)
    form = CauseForm(
        request.POST or None, parents=parents, initial={"parent": request.GET.get("parent")}
    )
    if request.method == "POST" and form.is_valid():
        saved, created = run_action(
            form, lambda: reference.do_add_cause(request.user, **form.cleaned_data)
        )
        if saved:
            messages.success(request, _("Root cause %(code)s added.") % {"code": created.code})
            return redirect("complaints:ref_causes")
    return _form_page(
        request,
        {
            "form": form,
            "title": _("New root cause"),
            "section": reference.SECTION_BY_KEY["causes"],
            "cancel_url": "complaints:ref_causes",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def cause_edit(request: HttpRequest, code: str) -> HttpResponse:
    reference.require_keeper(request.user, "complaints.change_rootcause")
    cause = _cause_or_404(code)
    parents = RootCause.objects.exclude(pk=cause.pk)
    if request.method == "POST":
        form = CauseForm(request.POST, parents=parents, editing=True)
        if form.is_valid():
            data = form.cleaned_data
            saved, _updated = run_action(
                form,
                lambda: reference.do_update_cause(
                    request.user,
                    cause,
                    expected_version=data["version"],
                    name=data["name"],
                    parent=data["parent"],
                ),
            )
            if saved:
                messages.success(request, _("Saved."))
                return redirect("complaints:ref_causes")
    else:
        form = CauseForm(
            initial={
                "version": cause.version,
                "name": cause.name,
                "parent": cause.parent.code if cause.parent else "",
            },
            parents=parents,
            editing=True,
        )
    return _form_page(
        request,
        {
            "form": form,
            "title": _("Edit root cause %(code)s") % {"code": cause.code},
            "section": reference.SECTION_BY_KEY["causes"],
            "cancel_url": "complaints:ref_causes",
        },
    )


def _set_cause_active(request: HttpRequest, code: str, *, active: bool) -> HttpResponse:
    reference.require_keeper(request.user, "complaints.change_rootcause")
    cause = _cause_or_404(code)
    try:
        reference.do_set_cause_active(request.user, cause, active=active)
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        if active:
            messages.success(request, _("%(code)s is in use again.") % {"code": cause.code})
        else:
            messages.success(
                request,
                _("%(code)s retired: new decisions can no longer choose it.")
                % {"code": cause.code},
            )
    return redirect("complaints:ref_causes")


@login_required
@require_POST
def cause_retire(request: HttpRequest, code: str) -> HttpResponse:
    return _set_cause_active(request, code, active=False)


@login_required
@require_POST
def cause_reactivate(request: HttpRequest, code: str) -> HttpResponse:
    return _set_cause_active(request, code, active=True)


# --- service targets ---------------------------------------------------------------------------


@login_required
def target_list(request: HttpRequest) -> HttpResponse:
    reference.require_read(request.user, "targets")
    order = {value: n for n, value in enumerate(Priority.values)}
    targets = sorted(ServiceTarget.objects.all(), key=lambda t: order.get(t.priority, 99))
    return render(
        request,
        TEMPLATES + "targets.html",
        {
            "targets": targets,
            "can_change": reference.can_keep(request.user, "complaints.change_servicetarget"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request: HttpRequest, priority: str) -> HttpResponse:
    reference.require_keeper(request.user, "complaints.change_servicetarget")
    target = ServiceTarget.objects.filter(priority=priority).first()
    if target is None:
        raise Http404
    form = TargetForm(
        request.POST or None,
        initial={
            "version": target.version,
            "first_response_hours": target.first_response_hours,
            "resolution_hours": target.resolution_hours,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved, _updated = run_action(
            form,
            lambda: reference.do_update_target(
                request.user,
                target,
                expected_version=data["version"],
                first_response_hours=data["first_response_hours"],
                resolution_hours=data["resolution_hours"],
            ),
        )
        if saved:
            messages.success(request, _("Saved. New complaints get these targets."))
            return redirect("complaints:ref_targets")
    return _form_page(
        request,
        {
            "form": form,
            "title": _("Service targets: %(priority)s priority")
            % {"priority": target.get_priority_display()},
            "note": _("Complaints already registered keep the targets they were given."),
            "section": reference.SECTION_BY_KEY["targets"],
            "cancel_url": "complaints:ref_targets",
        },
    )


# --- handling guidance -------------------------------------------------------------------------


def _guidance_key_labels() -> dict[tuple[str, str], str]:
    topic = HandlingGuidance.Topic
    labels: dict[tuple[str, str], str] = {(topic.GENERAL, ""): _("Every complaint")}
    for value, label in Temperament.choices:
        labels[(topic.TEMPERAMENT, value)] = str(label)
    for value, label in Interaction.Presentation.choices:
        labels[(topic.PRESENTATION, value)] = str(label)
    for code, name in Classification.objects.filter(axis=Classification.Axis.BUSINESS).values_list(
        "code", "name"
    ):
        labels[(topic.CATEGORY, code)] = f"{code} {name}"
    return labels


@login_required
def guidance_list(request: HttpRequest) -> HttpResponse:
    reference.require_read(request.user, "guidance")
    labels = _guidance_key_labels()
    entries = HandlingGuidance.objects.select_related("updated_by")
    groups = []
    for value, label in HandlingGuidance.Topic.choices:
        rows = [
            {"entry": g, "applies_to": labels.get((g.topic, g.key), g.key)}
            for g in entries
            if g.topic == value
        ]
        groups.append({"topic": value, "label": label, "rows": rows})
    return render(
        request,
        TEMPLATES + "guidance.html",
        {
            "groups": groups,
            "can_add": reference.can_keep(request.user, "complaints.add_handlingguidance"),
            "can_change": reference.can_keep(request.user, "complaints.change_handlingguidance"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def guidance_add(request: HttpRequest) -> HttpResponse:
    reference.require_keeper(request.user, "complaints.add_handlingguidance")
    covered = HandlingGuidance.objects.filter(topic=HandlingGuidance.Topic.CATEGORY).values("key")
    categories = list(
        Classification.objects.filter(axis=Classification.Axis.BUSINESS, is_active=True).exclude(
            code__in=covered
        )
    )
    form = CategoryGuidanceForm(request.POST or None, categories=categories)
    if request.method == "POST" and form.is_valid():
        saved, _created = run_action(
            form,
            lambda: reference.do_add_category_guidance(request.user, **form.cleaned_data),
        )
        if saved:
            messages.success(request, _("Guidance added."))
            return redirect("complaints:ref_guidance")
    return _form_page(
        request,
        {
            "form": form,
            "title": _("New guidance for a business category"),
            "note": None if categories else _("Every business category in use has guidance."),
            "section": reference.SECTION_BY_KEY["guidance"],
            "cancel_url": "complaints:ref_guidance",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def guidance_edit(request: HttpRequest, topic: str, key: str = "") -> HttpResponse:
    reference.require_keeper(request.user, "complaints.change_handlingguidance")
    guidance = reference.get_guidance(topic, key)
    if request.method == "POST":
        form = GuidanceForm(request.POST)
        if form.is_valid():
            saved, _updated = run_action(
                form,
                lambda: reference.do_update_guidance(
                    request.user,
                    guidance,
                    expected_version=form.cleaned_data["version"],
                    text=form.cleaned_data["text"],
                    text_en=form.cleaned_data["text_en"],
                    is_active=form.cleaned_data["is_active"],
                ),
            )
            if saved:
                messages.success(request, _("Saved."))
                return redirect("complaints:ref_guidance")
    else:
        form = GuidanceForm(
            initial={
                "version": guidance.version,
                "text": guidance.text,
                "text_en": guidance.text_en,
                "is_active": guidance.is_active,
            }
        )
    applies_to = _guidance_key_labels().get((guidance.topic, guidance.key), guidance.key)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("Guidance: %(topic)s · %(applies_to)s")
            % {"topic": guidance.get_topic_display(), "applies_to": applies_to},
            "section": reference.SECTION_BY_KEY["guidance"],
            "cancel_url": "complaints:ref_guidance",
        },
    )


# --- assignment rules --------------------------------------------------------------------------


def _business_codes() -> Any:
    return Classification.objects.filter(axis=Classification.Axis.BUSINESS, is_active=True)


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    reference.require_read(request.user, "rules")
    rules = reference.rules_for_user(request.user)
    unit = request.GET.get("unit", "")
    if unit:
        rules = rules.filter(unit__code=unit)
    if request.GET.get("inactive") != "1":
        rules = rules.filter(is_active=True)
    return render(
        request,
        TEMPLATES + "rules.html",
        {
            "page": page_of(request, rules),
            "query": query_without_page(request),
            "unit": unit,
            "units": org_access.branches_for_user(request.user)
            .select_related(None)
            .only("code", "name", "path"),
            "can_add": request.user.has_perm("complaints.add_assignmentrule"),
            "can_change": request.user.has_perm("complaints.change_assignmentrule"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_add(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "complaints.add_assignmentrule")
    units = org_access.branches_for_user(request.user).filter(is_active=True)
    code = request.POST.get("unit") or request.GET.get("unit")
    if not code:
        # Step one: the unit decides which officers can be chosen.
        return _form_page(
            request,
            {
                "form": UnitChoiceForm(units=units),
                "method": "get",
                "submit": _("Next"),
                "title": _("New assignment rule"),
                "section": reference.SECTION_BY_KEY["rules"],
                "cancel_url": "complaints:ref_rules",
            },
        )
    unit = org_access.get_branch_for_user(request.user, code)
    if not unit.is_active:
        raise Http404
    candidates = reference.officer_candidates(unit)
    form = RuleForm(
        request.POST if request.method == "POST" else None,
        categories=_business_codes(),
        officers=candidates,
    )
    if request.method == "POST" and form.is_valid():
        saved, _rule = run_action(
            form,
            lambda: reference.do_add_rule(
                request.user,
                unit=unit,
                business=form.cleaned_data["business"],
                officers=list(form.cleaned_data["officers"]),
            ),
        )
        if saved:
            messages.success(request, _("Rule added."))
            return redirect("complaints:ref_rules")
    return _form_page(
        request,
        {
            "form": form,
            "hidden": {"unit": unit.code},
            "title": _("New assignment rule for %(unit)s") % {"unit": unit.name},
            "note": None
            if candidates.exists()
            else _("Nobody who handles complaints works at this unit or above it."),
            "section": reference.SECTION_BY_KEY["rules"],
            "cancel_url": "complaints:ref_rules",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = reference.get_rule_for_user(request.user, rule_id)
    require_perm(request.user, "complaints.change_assignmentrule")
    categories = _business_codes()
    if rule.business is not None:  # a retired category stays selectable on its own rule
        categories = categories | Classification.objects.filter(pk=rule.business.pk)
    officers = reference.officer_candidates(rule.unit)
    if request.method == "POST":
        form = RuleForm(request.POST, categories=categories, officers=officers, editing=True)
        if form.is_valid():
            saved, _updated = run_action(
                form,
                lambda: reference.do_update_rule(
                    request.user,
                    rule,
                    business=form.cleaned_data["business"],
                    officers=list(form.cleaned_data["officers"]),
                    is_active=form.cleaned_data["is_active"],
                    expected_version=form.cleaned_data["version"],
                ),
            )
            if saved:
                messages.success(request, _("Saved."))
                return redirect("complaints:ref_rules")
    else:
        form = RuleForm(
            initial={
                "business": rule.business.code if rule.business else "",
                "officers": [str(u) for u in rule.officers.values_list("uuid", flat=True)],
                "is_active": rule.is_active,
                "version": rule.version,
            },
            categories=categories,
            officers=officers,
            editing=True,
        )
    return _form_page(
        request,
        {
            "form": form,
            "title": _("Assignment rule for %(unit)s") % {"unit": rule.unit.name},
            "section": reference.SECTION_BY_KEY["rules"],
            "cancel_url": "complaints:ref_rules",
        },
    )


@login_required
@require_POST
def rule_deactivate(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = reference.get_rule_for_user(request.user, rule_id)
    require_perm(request.user, "complaints.change_assignmentrule")
    reference.do_deactivate_rule(request.user, rule)
    messages.success(
        request,
        _("Rule for %(unit)s no longer in use: a broader rule or a manager assigns instead.")
        % {"unit": rule.unit.name},
    )
    return redirect("complaints:ref_rules")


urlpatterns: list[URLPattern] = [
    path("settings/", index, name="ref_index"),
    # the bank's calendar is kept with the organisation now
    path(
        "settings/calendar/",
        RedirectView.as_view(pattern_name="org:calendar", query_string=True, permanent=True),
    ),
    path("settings/codes/", code_list, name="ref_codes"),
    path("settings/codes/add/", code_add, name="ref_code_add"),
    path("settings/codes/<str:axis>/<str:code>/", code_edit, name="ref_code_edit"),
    path("settings/codes/<str:axis>/<str:code>/retire/", code_retire, name="ref_code_retire"),
    path(
        "settings/codes/<str:axis>/<str:code>/reactivate/",
        code_reactivate,
        name="ref_code_reactivate",
    ),
    path("settings/root-causes/", cause_list, name="ref_causes"),
    path("settings/root-causes/add/", cause_add, name="ref_cause_add"),
    path("settings/root-causes/<str:code>/", cause_edit, name="ref_cause_edit"),
    path("settings/root-causes/<str:code>/retire/", cause_retire, name="ref_cause_retire"),
    path(
        "settings/root-causes/<str:code>/reactivate/",
        cause_reactivate,
        name="ref_cause_reactivate",
    ),
    path("settings/service-targets/", target_list, name="ref_targets"),
    path("settings/service-targets/<str:priority>/", target_edit, name="ref_target_edit"),
    path("settings/guidance/", guidance_list, name="ref_guidance"),
    path("settings/guidance/add/", guidance_add, name="ref_guidance_add"),
    path("settings/guidance/<str:topic>/", guidance_edit, name="ref_guidance_edit"),
    path("settings/guidance/<str:topic>/<str:key>/", guidance_edit, name="ref_guidance_edit"),
    path("settings/assignment-rules/", rule_list, name="ref_rules"),
    path("settings/assignment-rules/add/", rule_add, name="ref_rule_add"),
    path("settings/assignment-rules/<int:rule_id>/", rule_edit, name="ref_rule_edit"),
    path(
        "settings/assignment-rules/<int:rule_id>/deactivate/",
        rule_deactivate,
        name="ref_rule_deactivate",
    ),
]
