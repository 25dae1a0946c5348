"""Complaint pages. Each module owns its part of the URL space: intake, lists and the
complaint page (``views``), the workflow's forms (``workflow_views``), reports
(``report_views``) and head office's reference data (``reference_views``)."""

from __future__ import annotations

from django.urls import path

from branchcx.complaints import reference_views, report_views, views, workflow_views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    *report_views.urlpatterns,
    *reference_views.urlpatterns,
    *workflow_views.urlpatterns,
]
