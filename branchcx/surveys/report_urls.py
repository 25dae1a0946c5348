from __future__ import annotations

from django.urls import URLPattern, path

from branchcx.surveys import report_views

urlpatterns: list[URLPattern] = [
    path("reports/", report_views.dashboard, name="dashboard"),
    path("reports/expectations/", report_views.expectations, name="expectations"),
    path("reports/beliefs/", report_views.beliefs, name="beliefs"),
]
