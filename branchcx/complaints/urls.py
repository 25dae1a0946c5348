"""Complaint pages. Each module owns its part of the URL space: intake, lists and the
complaint page (``views``), the workflow's forms (``workflow_views``), reports
(``report_views``) and head office's reference data (``reference_views``)."""

from __future__ import annotations

from django.urls import path

from branchcx.complaints import reference_views, report_views, views, workflow_views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_create, name="create"),
    path("suggest/", views.suggest_codes, name="suggest"),
    path("grievances/", views.grievance_list, name="grievances"),
    path("grievances/<uuid:uuid>/", views.grievance_detail, name="grievance"),
    path("grievances/<uuid:uuid>/promote/", views.grievance_promote, name="grievance_promote"),
    path("<uuid:uuid>/", views.complaint_detail, name="detail"),
    *report_views.urlpatterns,
    *reference_views.urlpatterns,
    *workflow_views.urlpatterns,
]
