from __future__ import annotations

from django.urls import URLPattern, path

from branchcx.surveys import comment_views

urlpatterns: list[URLPattern] = [
    path("comments/", comment_views.comment_list, name="comments"),
]
