"""Customer pages: search and list, the 360 page, contacts, edits and unmasking.

Each view fetches through ``access`` (404 outside scope, 403 without permission), calls one
action and renders. Every view of a 360 page is an audit event.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from branchcx.audit.actions import EXPORT_PERMISSION, Action, do_unmask, record
from branchcx.customers import access, actions
from branchcx.customers.exports import export_customers
from branchcx.customers.forms import ContactForm, CustomerEditForm, ImportForm, UnmaskForm
from branchcx.customers.guidance import difficult_presentations, temperament_guidance
from branchcx.customers.jobs import create_job, read_progress
from branchcx.customers.models import Tag, TierLevel
from branchcx.customers.queries import filter_customers, managers_serving
from branchcx.customers.tasks import run_import_job
from branchcx.lib.forms import run_action
from branchcx.lib.masking import mask_mobile, mask_name
from branchcx.lib.paging import page_of, query_without_page
from branchcx.org import access as org_access
from branchcx.org.models import Branch, Role, StaffProfile
from branchcx.org.scoping import require_perm
from branchcx.web.panels import customer_panels_for

# Filters travel in the URL; the search text does not (it may be a mobile or ID number, and
# URLs end up in logs and browser history): it is kept in the session under a random key.
FILTERS = ("tag", "tier", "outlet", "rm")
SEARCHES_KEY = "customer_searches"
# The list counts at most this many matches (see CappedPaginator); 200 pages of 50.
LIST_COUNT_CAP = 10_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def remember_search(request: HttpRequest, text: str) -> str:
    searches = dict(request.session.get(SEARCHES_KEY, {}))
    key = secrets.token_urlsafe(6)
    searches[key] = text[:64]
    # keep the last ten, so the back button and pagination keep working
    request.session[SEARCHES_KEY] = dict(list(searches.items())[-10:])
    return key


def list_filters(source: Any, session: Any) -> dict[str, str]:
    filters = {name: str(source.get(name, "")).strip()[:64] for name in FILTERS}
    key = str(source.get("search", ""))
    filters["search"] = key if key in session.get(SEARCHES_KEY, {}) else ""
    filters["q"] = session.get(SEARCHES_KEY, {}).get(key, "")
    return filters


def _url_filters(filters: dict[str, str]) -> str:
    return urlencode({k: v for k, v in filters.items() if v and k != "q"})


def _filtered(user: Any, filters: dict[str, str]) -> Any:
    return filter_customers(
        access.customers_for_user(user),
        q=filters["q"],
        tag=filters["tag"],
        tier=filters["tier"],
        outlet=filters["outlet"],
        relationship_manager=filters["rm"],
    )


@login_required
@require_http_methods(["GET", "POST"])
def customer_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":  # the search box
        filters = list_filters(request.POST, request.session)
        text = request.POST.get("q", "").strip()
        filters["search"] = remember_search(request, text) if text else ""
        query = _url_filters(filters)
        return redirect(reverse("customers:list") + (f"?{query}" if query else ""))
    filters = list_filters(request.GET, request.session)
    customers = _filtered(request.user, filters).select_related("relationship_manager")
    page = page_of(request, customers, cap=LIST_COUNT_CAP)
    rows = [
        {
            "customer": c,
            "name": mask_name(c.name or ""),
            "mobile": mask_mobile(c.mobile or ""),
        }
        for c in page
    ]
    outlets = org_access.branches_for_user(request.user).filter(level=Branch.Level.OUTLET)
    managers = StaffProfile.objects.visible_to(request.user).filter(
        role=Role.RELATIONSHIP_MANAGER, is_active=True
    )
    response = render(
        request,
        "customers/customer_list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "searching": any(filters.values()),
            "export_query": _url_filters(filters),
            "query": query_without_page(request),
            "tags": Tag.objects.filter(is_active=True),
            "tiers": TierLevel.objects.all(),
            "outlets": outlets.select_related(None).only("code", "name"),
            "managers": managers.only("uuid", "full_name"),
            "can_export": request.user.has_perm("customers.export_customers"),
            "can_import": request.user.has_perm("customers.import_customers"),
            "can_export_unmasked": request.user.has_perm("customers.export_customers")
            and request.user.has_perm(EXPORT_PERMISSION),
        },
    )
    response["Cache-Control"] = "no-store"  # the search box shows what was searched
    return response


@login_required
def customer_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    customer = access.get_customer_for_user(request.user, uuid)
    record(
        Action.VIEW_PERSONAL,
        actor=request.user,
        target=customer,
        target_label=actions.customer_label(customer),
    )
    columns = customer_panels_for(request.user, customer)
    response = render(
        request,
        "customers/customer_detail.html",
        {
            "customer": customer,
            "masked_name": mask_name(customer.name or ""),
            "main_panels": columns["main"],
            "side_panels": columns["side"],
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@sensitive_post_parameters()
@login_required
@require_POST
def customer_unmask(request: HttpRequest, uuid: str) -> HttpResponse:
    """htmx: reveal one personal field after a reason is given; the reveal is audited."""
    customer = access.get_customer_for_user(request.user, uuid)
    require_perm(request.user, "audit.unmask_personal_data")
    form = UnmaskForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "web/_unmask_result.html",
            {"error": _("Give a reason of at least 4 characters to unmask data.")},
            status=422,
        )
    value = do_unmask(
        request.user,
        customer,
        form.cleaned_data["field"],
        form.cleaned_data["reason"],
        target_label=actions.customer_label(customer),
    )
    response = render(
        request,
        "web/_unmask_result.html",
        {"value": value, "field": form.cleaned_data["field"]},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, uuid: str) -> HttpResponse:
    customer = access.get_customer_for_user(request.user, uuid)
    require_perm(request.user, "customers.add_interaction")
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved, _contact = run_action(
            form,
            lambda: actions.do_log_interaction(request.user, customer, **form.action_kwargs()),
        )
        if saved:
            messages.success(request, _("Contact recorded."))
            return redirect("customers:detail", uuid=customer.uuid)
    return render(
        request,
        "customers/contact_form.html",
        {
            "form": form,
            "customer": customer,
            "masked_name": mask_name(customer.name or ""),
            "temperament": temperament_guidance(customer.temperament),
            "presentation_guidance": difficult_presentations(),
        },
    )


@sensitive_post_parameters("mobile", "email", "address")
@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    customer = access.get_customer_for_user(request.user, uuid)
    require_perm(request.user, "customers.change_customer")
    managers = list(managers_serving(customer.home_outlet))
    if request.method == "POST":
        form = CustomerEditForm(request.POST, managers=managers)
        if form.is_valid():

            def save() -> None:
                with transaction.atomic():
                    updated = actions.do_update_customer(
                        request.user,
                        customer,
                        expected_version=form.cleaned_data["version"],
                        **form.changes(),
                    )
                    actions.do_set_tags(request.user, updated, list(form.cleaned_data["tags"]))

            if run_action(form, save)[0]:
                messages.success(request, _("Saved."))
                return redirect("customers:detail", uuid=customer.uuid)
    else:
        form = CustomerEditForm(initial=CustomerEditForm.initial_for(customer), managers=managers)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "customer": customer, "masked_name": mask_name(customer.name or "")},
    )


@sensitive_post_parameters("reason")
@login_required
@require_http_methods(["GET", "POST"])
def customer_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as Excel: GET gives masked data; POST with a reason (and the export
    permission) gives plaintext. Both are audited."""
    require_perm(request.user, "customers.export_customers")
    source = request.POST if request.method == "POST" else request.GET
    filters = list_filters(source, request.session)
    unmasked = request.method == "POST" and source.get("unmasked") == "1"
    try:
        content, _rows = export_customers(
            request.user,
            _filtered(request.user, filters),
            filters=filters,
            unmasked=unmasked,
            reason=source.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{reverse('customers:list')}?{_url_filters(filters)}")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


# --- imports -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "customers.import_customers")
    kind = request.GET.get("kind", "customers")
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        initial={"kind": kind, "mode": request.GET.get("mode", ImportForm.CHECK)},
    )
    if request.method == "POST" and form.is_valid():
        mode = form.cleaned_data["mode"]
        job = create_job(
            request.user,
            form.cleaned_data["kind"],
            form.cleaned_data["file"],
            dry_run=mode == ImportForm.CHECK,
            skip_invalid=mode == ImportForm.VALID,
        )
        run_import_job(job.pk)
        return redirect("customers:import_detail", uuid=job.uuid)
    jobs = access.imports_for_user(request.user)
    return render(
        request,
        "customers/import_list.html",
        {"form": form, "page": page_of(request, jobs, 20), "query": ""},
    )


@login_required
def import_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    job = access.get_import_for_user(request.user, uuid)
    done, total = read_progress(job) if not job.is_finished else (job.total_rows, job.total_rows)
    context = {
        "job": job,
        "done": done,
        "total": total,
        "percent": 100 if job.is_finished else (min(99, 100 * done // total) if total else 0),
    }
    if request.headers.get("HX-Request"):
        return render(request, "customers/_import_progress.html", context)
    return render(request, "customers/import_detail.html", context)
