"""Complaint intake, lists and the complaint page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from branchcx.complaints import access


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    complaints = access.complaints_for_user(request.user)
    return render(request, "complaints/complaint_list.html", {"complaints": complaints[:50]})
