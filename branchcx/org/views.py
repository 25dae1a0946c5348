"""Pages for units, staff and personal API tokens.

Each view: fetch through ``access`` (404 outside scope, 403 without permission), call one
action, render. Validation and conflicts come back from the action and are shown on the form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from branchcx.audit.actions import Action, do_unmask, record
from branchcx.lib.forms import run_action
from branchcx.lib.masking import mask_name
from branchcx.lib.paging import page_of, query_without_page
from branchcx.org import access, actions
from branchcx.org.forms import (
    BranchCreateForm,
    BranchForm,
    StaffCreateForm,
    StaffEditForm,
    TokenForm,
    UnmaskForm,
)
from branchcx.org.models import Branch, Role
from branchcx.org.queries import units_with_staff_counts
from branchcx.org.roles import ASSIGNABLE_ROLES
from branchcx.org.scoping import require_perm


def _assignable_roles(user: Any) -> set[str]:
    if user.is_superuser:
        return set(Role.values)
    staff = getattr(user, "staff", None)
    return ASSIGNABLE_ROLES.get(staff.role, set()) if staff else set()


def _can_manage(user: Any, staff: Any) -> bool:
    try:
        actions.require_manageable(user, staff)
    except PermissionDenied:
        return False
    return True


def _staff_label(staff: Any) -> str:
    return f"{staff.employee_no} {mask_name(staff.full_name)}"


# --- units -------------------------------------------------------------------------------


@login_required
def branch_list(request: HttpRequest) -> HttpResponse:
    units = units_with_staff_counts(access.branches_for_user(request.user))
    q = request.GET.get("q", "").strip()
    if q:
        units = units.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(city__icontains=q))
    return render(
        request,
        "org/branch_list.html",
        {"page": page_of(request, units, 100), "q": q, "query": query_without_page(request)},
    )


@login_required
def branch_detail(request: HttpRequest, code: str) -> HttpResponse:
    branch = access.get_branch_for_user(request.user, code)
    children = units_with_staff_counts(access.branches_for_user(request.user)).filter(parent=branch)
    staff = access.staff_for_user(request.user).filter(branch=branch, is_active=True)
    return render(
        request,
        "org/branch_detail.html",
        {
            "branch": branch,
            "children": children,
            "staff_page": page_of(request, staff),
            "can_edit": request.user.has_perm("org.change_branch"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def branch_edit(request: HttpRequest, code: str) -> HttpResponse:
    branch = access.get_branch_for_user(request.user, code)
    require_perm(request.user, "org.change_branch")
    can_close = request.user.has_perm("org.add_branch")
    if request.method == "POST":
        form = BranchForm(request.POST, can_close=can_close)
        if (
            form.is_valid()
            and run_action(
                form,
                lambda: actions.do_update_branch(
                    request.user,
                    branch,
                    expected_version=form.cleaned_data["version"],
                    **form.changes(),
                ),
            )[0]
        ):
            messages.success(request, _("Saved."))
            return redirect("org:branch_detail", code=branch.code)
    else:
        form = BranchForm(initial=BranchForm.initial_for(branch), can_close=can_close)
    return render(request, "org/branch_form.html", {"form": form, "branch": branch})


@login_required
@require_http_methods(["GET", "POST"])
def branch_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "org.add_branch")
    parents = access.branches_for_user(request.user).filter(
        level__in=[Branch.Level.HEAD_OFFICE, Branch.Level.BRANCH], is_active=True
    )
    form = BranchCreateForm(request.POST or None, parents=parents)
    if request.method == "POST" and form.is_valid():
        saved, branch = run_action(
            form, lambda: actions.do_create_branch(request.user, **form.cleaned_data)
        )
        if saved:
            messages.success(request, _("Unit created."))
            return redirect("org:branch_detail", code=branch.code)
    return render(request, "org/branch_create.html", {"form": form})


# --- staff -------------------------------------------------------------------------------


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    staff = access.staff_for_user(request.user)
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    unit = request.GET.get("unit", "")
    if q:
        staff = staff.filter(Q(employee_no__icontains=q) | Q(full_name__icontains=q))
    if role in Role.values:
        staff = staff.filter(role=role)
    if unit:
        staff = staff.filter(branch__code=unit)
    if request.GET.get("inactive") != "1":
        staff = staff.filter(is_active=True)
    return render(
        request,
        "org/staff_list.html",
        {
            "page": page_of(request, staff),
            "q": q,
            "query": query_without_page(request),
            "role": role,
            "unit": unit,
            "roles": Role.choices,
            "units": access.branches_for_user(request.user)
            .select_related(None)
            .only("code", "name"),
            "can_add": request.user.has_perm("org.add_staffprofile"),
        },
    )


@login_required
def staff_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    staff = access.get_staff_for_user(request.user, uuid)
    record(Action.VIEW_PERSONAL, actor=request.user, target=staff, target_label=_staff_label(staff))
    history = staff.history.select_related("history_user").order_by("-history_date")[:20]
    can_manage = _can_manage(request.user, staff)
    return render(
        request,
        "org/staff_detail.html",
        {
            "staff": staff,
            "history": _history_rows(list(history)),
            "can_edit": can_manage and request.user.has_perm("org.change_staffprofile"),
            "can_unmask": can_manage and request.user.has_perm("audit.unmask_personal_data"),
        },
    )


def _history_rows(records: list[Any]) -> list[dict[str, Any]]:
    """Who changed which fields when; values of personal fields are never listed."""
    rows = []
    for i, rec in enumerate(records):
        older = records[i + 1] if i + 1 < len(records) else None
        changed = [c.field for c in rec.diff_against(older).changes] if older else []
        rows.append(
            {
                "date": rec.history_date,
                "user": rec.history_user.get_username() if rec.history_user else "—",
                "type": rec.get_history_type_display(),
                "fields": changed,
            }
        )
    return rows


@sensitive_post_parameters()
@login_required
@require_POST
def staff_unmask(request: HttpRequest, uuid: str) -> HttpResponse:
    """htmx: reveal one personal field after a reason is given; the reveal is audited."""
    staff = access.get_staff_for_user(request.user, uuid)
    require_perm(request.user, "audit.unmask_personal_data")
    actions.require_manageable(request.user, staff)
    form = UnmaskForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "web/_unmask_result.html",
            {
                "error": _("Give a reason of at least 4 characters to unmask data."),
                "field": request.POST.get("field", ""),
                "staff": staff,
            },
            status=422,
        )
    value = do_unmask(
        request.user,
        staff,
        form.cleaned_data["field"],
        form.cleaned_data["reason"],
        target_label=_staff_label(staff),
    )
    response = render(
        request,
        "web/_unmask_result.html",
        {"value": value, "field": form.cleaned_data["field"], "staff": staff},
    )
    response["Cache-Control"] = "no-store"
    return response


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "org.add_staffprofile")
    units = access.branches_for_user(request.user).filter(is_active=True)
    roles = _assignable_roles(request.user)
    form = StaffCreateForm(request.POST or None, units=units, roles=roles)
    if request.method == "POST" and form.is_valid():
        saved, result = run_action(
            form, lambda: actions.do_create_staff(request.user, **form.cleaned_data)
        )
        if saved:
            staff, temporary = result
            return render(
                request, "org/staff_created.html", {"staff": staff, "temporary": temporary}
            )
    return render(request, "org/staff_form.html", {"form": form, "creating": True})


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    staff = access.get_staff_for_user(request.user, uuid)
    require_perm(request.user, "org.change_staffprofile")
    units = access.branches_for_user(request.user).filter(is_active=True)
    roles = _assignable_roles(request.user)
    if request.method == "POST":
        form = StaffEditForm(request.POST, units=units, roles=roles | {staff.role})
        if (
            form.is_valid()
            and run_action(
                form,
                lambda: actions.do_update_staff(
                    request.user,
                    staff,
                    expected_version=form.cleaned_data["version"],
                    **form.changes(),
                ),
            )[0]
        ):
            messages.success(request, _("Saved."))
            return redirect("org:staff_detail", uuid=staff.uuid)
    else:
        form = StaffEditForm(
            initial={
                "version": staff.version,
                "full_name": staff.full_name,
                "role": staff.role,
                "branch": staff.branch.code,
                "is_active": staff.is_active,
            },
            units=units,
            roles=roles | {staff.role},
        )
    return render(request, "org/staff_form.html", {"form": form, "staff": staff})


@login_required
@require_POST
def staff_reset_password(request: HttpRequest, uuid: str) -> HttpResponse:
    staff = access.get_staff_for_user(request.user, uuid)
    temporary = actions.do_reset_password(request.user, staff)
    response = render(
        request, "org/staff_created.html", {"staff": staff, "temporary": temporary, "reset": True}
    )
    response["Cache-Control"] = "no-store"
    return response


# --- API tokens --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        saved, result = run_action(
            form,
            lambda: actions.do_create_token(
                request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            ),
        )
        if saved:
            secret = result[1]
            form = TokenForm()
    response = render(
        request,
        "org/token_list.html",
        {
            "form": form,
            "secret": secret,
            "tokens": access.tokens_for_user(request.user)[:50],
            "can_create": request.user.has_perm("org.add_apitoken"),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, uuid: str) -> HttpResponse:
    token = access.get_own_token(request.user, uuid)
    actions.do_revoke_token(request.user, token)
    messages.success(request, _("Token revoked."))
    return redirect("org:token_list")
