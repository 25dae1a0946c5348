from __future__ import annotations

from django.urls import URLPattern, path

from branchcx.surveys import response_views

urlpatterns: list[URLPattern] = [
    path("responses/", response_views.response_list, name="responses"),
    path("responses/export/", response_views.response_export, name="export_responses"),
    path("responses/<uuid:uuid>/", response_views.response_detail, name="response"),
]
