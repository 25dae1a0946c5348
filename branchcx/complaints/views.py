"""Complaint intake, the lists (what is at risk today, what is overdue, whose is what), the
complaint page with both clocks and its timeline, and the voice of the customer (抱怨).

Each view fetches through ``access`` (404 outside scope, 403 without permission), calls one
action and renders. Opening a complaint is an audit event: it shows what the customer said.
The workflow's forms are in ``workflow_views``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branchcx.audit.actions import Action, record
from branchcx.complaints import access, actions, workflow_views
from branchcx.complaints.clock import AT_RISK_DAYS, MAX_DAYS
from branchcx.complaints.forms import ComplaintIntakeForm, GrievanceForm, PromoteForm
from branchcx.complaints.intake import do_intake
from branchcx.complaints.models import (
    FINAL_STATES,
    OPEN_STATES,
    Classification,
    Complaint,
    HandlingGuidance,
    State,
    TimelineEntry,
)
from branchcx.complaints.queries import due_soon, overdue
from branchcx.complaints.suggestions import suggest
from branchcx.lib.forms import run_action
from branchcx.lib.masking import mask_mobile, mask_name
from branchcx.lib.paging import page_of, query_without_page
from branchcx.org.access import own_staff_profile
from branchcx.org.scoping import require_perm
from branchcx.surveys import access as survey_access

FILTERS = ("state", "due", "outlet", "owner", "business", "cause", "number")
STATE_GROUPS = {
    "open": OPEN_STATES,
    "review": (State.REVIEW_REQUESTED,),
    "notified": (State.NOTIFIED,),
}


def _filters(source: Any) -> dict[str, str]:
    return {name: str(source.get(name, "")).strip()[:40] for name in FILTERS}


def filter_complaints(user: Any, qs: Any, filters: dict[str, str]) -> Any:
    today = timezone.localdate()
    state = filters["state"]
    if state in STATE_GROUPS:
        qs = qs.filter(state__in=STATE_GROUPS[state])
    elif state in State.values:
        qs = qs.filter(state=state)
    if filters["due"] == "at_risk":
        qs = due_soon(qs, today)
    elif filters["due"] == "overdue":
        qs = overdue(qs, today)
    elif filters["due"] == "escalated":
        qs = qs.filter(escalation__gt=0).exclude(state__in=FINAL_STATES)
    if filters["outlet"]:
        qs = qs.filter(outlet__code=filters["outlet"])
    if filters["owner"] == "mine":
        qs = qs.filter(Q(owner__user=user) | Q(handler__user=user) | Q(pending_owner__user=user))
    elif filters["owner"]:
        qs = qs.filter(Q(owner__uuid=filters["owner"]) | Q(handler__uuid=filters["owner"]))
    if filters["business"]:
        qs = qs.filter(business__code=filters["business"])
    if filters["cause"]:
        qs = qs.filter(cause__code=filters["cause"])
    if filters["number"]:
        qs = qs.filter(number=filters["number"].upper())
    return qs


def _valid_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request.GET)
    if filters["owner"] not in ("", "mine") and not _valid_uuid(filters["owner"]):
        filters["owner"] = ""
    complaints = filter_complaints(request.user, access.complaints_for_user(request.user), filters)
    if filters["due"] in ("at_risk", "overdue"):
        complaints = complaints.order_by("due_on", "received_at")
    page = page_of(request, complaints)
    today = timezone.localdate()
    rows = [_row(c, today) for c in page]
    base = access.complaints_for_user(request.user)
    return render(
        request,
        "complaints/complaint_list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "filtering": any(filters.values()),
            "query": query_without_page(request),
            "states": State.choices,
            "outlets": access.intake_outlets(request.user).only("code", "name"),
            "businesses": Classification.objects.filter(axis="business", is_active=True),
            "causes": Classification.objects.filter(axis="cause", is_active=True),
            "at_risk": due_soon(base, today).count(),
            "overdue": overdue(base, today).count(),
            "at_risk_days": AT_RISK_DAYS,
            "can_add": request.user.has_perm("complaints.add_complaint"),
        },
    )


def _row(complaint: Complaint, today: Any) -> dict[str, Any]:
    who = complaint.customer.name if complaint.customer else complaint.complainant_name
    days_left = (complaint.due_on - today).days if complaint.due_on else None
    return {
        "complaint": complaint,
        "who": mask_name(who or ""),
        "days_left": days_left,
        "days_late": -days_left if days_left is not None and days_left < 0 else 0,
        "paused": complaint.state in OPEN_STATES and complaint.due_on is None,
        "target_missed": bool(
            complaint.state in OPEN_STATES
            and complaint.resolve_by
            and complaint.resolve_by < timezone.now()
        ),
    }


# --- intake ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def complaint_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "complaints.add_complaint")
    source = request.POST if request.method == "POST" else request.GET
    customer = None
    if source.get("customer"):
        customer = access.customer_for_intake(request.user, source["customer"])
    # registered from a survey follow-up: the follow-up then points at the complaint
    follow_up = None
    if (
        source.get("follow_up")
        and customer is not None
        and request.user.has_perm("surveys.change_followup")
    ):
        if not _valid_uuid(source["follow_up"]):
            raise Http404
        follow_up = survey_access.get_follow_up(request.user, source["follow_up"])
        if follow_up.customer_id != customer.pk:
            raise Http404
        if follow_up.complaint_id is not None:
            follow_up = None  # already led to a complaint: this one is filed on its own
    outlets = list(access.intake_outlets(request.user))
    staff = own_staff_profile(request.user)
    default_outlet = (
        customer.home_outlet.code
        if customer and customer.home_outlet in outlets
        else (staff.branch.code if staff and staff.branch in outlets else "")
    )
    chosen = next(
        (o for o in outlets if o.code == (request.POST.get("outlet") or default_outlet)),
        outlets[0] if outlets else None,
    )
    colleagues = list(access.colleagues_serving(chosen)) if chosen else []
    form = ComplaintIntakeForm(
        request.POST or None,
        outlets=outlets,
        colleagues=colleagues,
        initial={"outlet": default_outlet, "priority": "normal", "intake_channel": "counter"},
    )
    phone = request.POST.get("complainant_phone", "") if customer is None else ""
    duplicates = (
        list(access.open_complaints_at_intake(request.user, customer, phone))
        if customer is not None or phone.strip()
        else []
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if chosen is None:
            form.add_error("outlet", _("Choose an outlet within your scope."))
        else:
            involved = [s for s in colleagues if str(s.uuid) in set(data["staff_involved"])]

            def register() -> Any:
                return do_intake(
                    request.user,
                    file_anyway=data["file_anyway"],
                    follow_up=follow_up,
                    outlet=chosen,
                    intake_channel=data["intake_channel"],
                    narrative=data["narrative"],
                    customer=customer,
                    complainant_name=data["complainant_name"],
                    complainant_phone=data["complainant_phone"],
                    received_at=data["received_at"],
                    regulator_reference=data["regulator_reference"],
                    channel=data["channel"],
                    business=data["business"],
                    cause=data["cause"],
                    card_reason=data["card_reason"],
                    priority=data["priority"],
                    co_complainants=data["co_complainants"],
                    representatives=data["representatives"],
                    major_reason=data["major_reason"],
                    staff_involved=involved,
                ).complaint

            saved, complaint = run_action(form, register)
            if saved:
                messages.success(
                    request,
                    _("Complaint %(number)s registered; you own it until you hand it over.")
                    % {"number": complaint.number},
                )
                return redirect("complaints:detail", uuid=complaint.uuid)
    narrative = request.POST.get("narrative", "")
    return render(
        request,
        "complaints/complaint_form.html",
        {
            "form": form,
            "customer": customer,
            "customer_name": mask_name(customer.name or "") if customer else "",
            "follow_up": follow_up,
            "duplicates": duplicates,
            "suggestions": _suggestions(narrative) if narrative.strip() else None,
            "guidance": guidance_for(customer, None),
        },
    )


def _suggestions(text: str) -> list[dict[str, Any]]:
    """The suggestions with the names of the codes they point at, for display."""
    found = suggest(text)
    names = {
        (c.axis, c.code): c
        for c in Classification.objects.filter(axis__in=("business", "cause"), is_active=True)
    }
    rows = []
    labels = {"business": _("Business category"), "cause": _("Cause"), "priority": _("Priority")}
    priorities = dict(Complaint._meta.get_field("priority").choices or [])
    for target, suggestion in found.items():
        if suggestion is None:
            continue
        code = names.get((target, suggestion.label))
        if target == "priority":
            name = str(priorities.get(suggestion.label, suggestion.label))
        elif code is None:
            continue  # a label the reference data no longer has (or retired)
        else:
            name = f"{code.code} {code.name}"
        rows.append(
            {
                "field": target,
                "label": labels[target],
                "value": suggestion.label,
                "name": name,
                "confidence": round(suggestion.confidence * 100),
                "source": suggestion.source,
            }
        )
    return rows


@login_required
@require_POST
def suggest_codes(request: HttpRequest) -> HttpResponse:
    """htmx: suggestions for the narrative typed so far (shown, never applied)."""
    require_perm(request.user, "complaints.add_complaint")
    text = request.POST.get("narrative", "")[:5000]
    response = render(
        request,
        "complaints/_suggestions.html",
        {"suggestions": _suggestions(text) if text.strip() else None},
    )
    response["Cache-Control"] = "no-store"
    return response


# --- the complaint page ------------------------------------------------------------------------


def guidance_for(customer: Any, complaint: Complaint | None) -> list[dict[str, Any]]:
    """The handling guidance that applies: for every complaint, the customer's temperament,
    how they last presented, and the complaint's business category (one query)."""
    wanted = Q(topic=HandlingGuidance.Topic.GENERAL)
    presentation = ""
    if customer is not None:
        if customer.temperament:
            wanted |= Q(topic=HandlingGuidance.Topic.TEMPERAMENT, key=customer.temperament)
        last = access.last_presentation(customer)
        if last:
            presentation = last
            wanted |= Q(topic=HandlingGuidance.Topic.PRESENTATION, key=last)
    if complaint is not None and complaint.business_id:
        wanted |= Q(topic=HandlingGuidance.Topic.CATEGORY, key=complaint.business.code)
    order = [t.value for t in HandlingGuidance.Topic]
    items = sorted(
        HandlingGuidance.objects.filter(wanted, is_active=True),
        key=lambda g: order.index(g.topic),
    )
    language = get_language() or "zh-hans"
    return [
        {"topic": g.get_topic_display(), "text": g.in_language(language), "key": g.key}
        for g in items
        if g.topic != HandlingGuidance.Topic.PRESENTATION or g.key == presentation
    ]


@login_required
def complaint_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    complaint = access.get_complaint_for_user(request.user, uuid)
    record(
        Action.VIEW_PERSONAL, actor=request.user, target=complaint, target_label=complaint.number
    )
    today = timezone.localdate()
    pauses = list(complaint.pauses.order_by("started_on"))
    clock = complaint.clock
    deadline = clock.deadline(today) if complaint.state in OPEN_STATES else None
    timeline = list(complaint.timeline.select_related("actor__staff").order_by("at", "pk"))
    names = access.staff_names(_staff_ids(timeline))
    customer = complaint.customer
    others = (
        list(access.open_complaints_of(request.user, customer).exclude(pk=complaint.pk))
        if customer
        else []
    )
    response = render(
        request,
        "complaints/complaint_detail.html",
        {
            "complaint": complaint,
            "customer_name": mask_name(customer.name or "") if customer else "",
            "complainant": mask_name(complaint.complainant_name or ""),
            "complainant_phone": mask_mobile(complaint.complainant_phone or ""),
            "clock": {
                "deadline": deadline,
                "days_left": (deadline - today).days if deadline else None,
                "paused": clock.is_paused,
                "allowed_days": complaint.allowed_days,
                "max_days": MAX_DAYS,
                "started_on": complaint.clock_started_on,
                "review_due": complaint.due_on
                if complaint.state == State.REVIEW_REQUESTED
                else None,
                "at_risk_days": AT_RISK_DAYS,
            },
            "targets": _targets(complaint),
            "pauses": pauses,
            "timeline": [_entry(e, names) for e in timeline],
            "decisions": list(complaint.decisions.select_related("root_cause", "decided_by")),
            "notifications": list(complaint.notifications.select_related("recorded_by")),
            "revisits": list(complaint.revisits.select_related("assigned_to")),
            "attachments": list(complaint.attachments.select_related("uploaded_by")),
            "staff_involved": list(complaint.staff_involved.all()),
            "others": others,
            "guidance": guidance_for(customer, complaint),
            "actions": workflow_views.available_actions(request.user, complaint),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _targets(complaint: Complaint) -> list[dict[str, Any]]:
    """The bank's own service targets: first response and resolution, met, missed or due."""
    now = timezone.now()
    # A reopening or new facts set a new resolution target, met only by a decision after
    # them: of the decisions and restarts, the latest tells whether it is met yet.
    latest = (
        complaint.timeline.filter(Q(to_state=State.DECIDED) | Q(kind__in=actions.RESTARTS))
        .order_by("-at", "-pk")
        .values_list("kind", "at")
        .first()
    )
    resolved_at = latest[1] if latest and latest[0] not in actions.RESTARTS else None
    rows = []
    for label, due, done in (
        (_("First response"), complaint.respond_by, complaint.responded_at),
        (_("Resolution"), complaint.resolve_by, resolved_at),
    ):
        if due is None:
            continue
        if done is not None:
            status = "met" if done <= due else "late"
        else:
            status = (
                "missed" if due < now else ("soon" if due - now < timedelta(hours=8) else "due")
            )
        rows.append({"label": label, "due": due, "done": done, "status": status})
    return rows


def _staff_ids(entries: list[TimelineEntry]) -> set[int]:
    ids = set()
    for entry in entries:
        for key in ("handler_id", "to_id", "previous_id", "staff_id"):
            if isinstance(entry.detail.get(key), int):
                ids.add(entry.detail[key])
    return ids


def _entry(entry: TimelineEntry, names: dict[int, str]) -> dict[str, Any]:
    """One timeline line in words: who, what, and the people it names."""
    detail = dict(entry.detail)
    people = {
        key: names.get(detail[key], "?")
        for key in ("handler_id", "to_id", "previous_id", "staff_id")
        if key in detail
    }
    actor = entry.actor.staff.full_name if entry.actor and hasattr(entry.actor, "staff") else ""
    return {
        "entry": entry,
        "actor": actor or (_("System") if entry.actor is None else entry.actor.get_username()),
        "from_state": State(entry.from_state).label if entry.from_state else "",
        "to_state": State(entry.to_state).label if entry.to_state else "",
        "people": people,
        "detail": detail,
    }


# --- voice of the customer (抱怨) -----------------------------------------------------------

# The list shows only the start of what each customer said: enough to tell the items apart,
# not their whole story. Reading an item in full (``grievance_detail``) is audited.
EXCERPT_CHARS = 30


def excerpt(text: str) -> str:
    return Truncator(" ".join(text.split())).chars(EXCERPT_CHARS)


@login_required
@require_http_methods(["GET", "POST"])
def grievance_list(request: HttpRequest) -> HttpResponse:
    grievances = access.grievances_for_user(request.user)
    outlets = list(access.intake_outlets(request.user))
    form = GrievanceForm(request.POST or None, outlets=outlets)
    if request.method == "POST":
        require_perm(request.user, "complaints.add_complaint")
        if form.is_valid():
            outlet = next(o for o in outlets if o.code == form.cleaned_data["outlet"])
            saved, _grievance = run_action(
                form,
                lambda: actions.do_record_grievance(
                    request.user,
                    outlet=outlet,
                    source=form.cleaned_data["source"],
                    text=form.cleaned_data["text"],
                ),
            )
            if saved:
                messages.success(request, _("Recorded."))
                return redirect("complaints:grievances")
    pending = request.GET.get("show") != "all"
    if pending:
        grievances = grievances.filter(promoted_to__isnull=True)
    page = page_of(request, grievances.order_by("-recorded_at"))
    return render(
        request,
        "complaints/grievance_list.html",
        {
            "form": form,
            "page": page,
            "rows": [{"grievance": g, "excerpt": excerpt(g.text)} for g in page],
            "pending": pending,
            "query": query_without_page(request),
            "can_add": request.user.has_perm("complaints.add_complaint"),
        },
    )


@login_required
@require_GET
def grievance_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    """One item in full, with the form that makes it a complaint: what the customer said is
    read here, and reading it is an audit event."""
    grievance = access.get_grievance_for_user(request.user, uuid)
    recorded = timezone.localtime(grievance.recorded_at)
    record(
        Action.VIEW_PERSONAL, actor=request.user, target=grievance,
        target_label=f"{grievance.outlet.code} {recorded:%Y-%m-%d %H:%M}",
        detail={"document": "grievance"},
    )  # fmt: skip
    response = render(
        request,
        "complaints/grievance_detail.html",
        {
            "grievance": grievance,
            "promote_form": PromoteForm(),
            "can_add": request.user.has_perm("complaints.add_complaint"),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def grievance_promote(request: HttpRequest, uuid: str) -> HttpResponse:
    grievance = access.get_grievance_for_user(request.user, uuid)
    require_perm(request.user, "complaints.add_complaint")
    form = PromoteForm(request.POST)
    if form.is_valid():
        saved, complaint = run_action(
            form,
            lambda: actions.do_promote_grievance(
                request.user,
                grievance,
                intake_channel=form.cleaned_data["intake_channel"],
                priority=form.cleaned_data["priority"],
                complainant_name=form.cleaned_data["complainant_name"],
            ),
        )
        if saved:
            messages.success(
                request, _("Complaint %(number)s registered.") % {"number": complaint.number}
            )
            return redirect("complaints:detail", uuid=complaint.uuid)
    for errors in form.errors.values():
        messages.error(request, " ".join(str(e) for e in errors))
    return redirect("complaints:grievance", uuid=grievance.uuid)
