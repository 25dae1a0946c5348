"""The auditor's search over the audit trail. Read-only: there is no page that edits events."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from branchcx.audit import access
from branchcx.audit.forms import EventSearchForm
from branchcx.audit.queries import EventFilter, search_events
from branchcx.lib.paging import page_of, query_without_page


@login_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    events = access.events_for_user(request.user)
    form = EventSearchForm(request.GET or None)
    if form.is_valid():
        events = search_events(events, EventFilter(**form.cleaned_data))
    elif form.is_bound:
        events = events.none()
    return render(
        request,
        "audit/event_list.html",
        {"form": form, "page": page_of(request, events), "query": query_without_page(request)},
    )
