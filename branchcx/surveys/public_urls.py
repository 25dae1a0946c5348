"""Survey pages for customers (no sign-in): ``/s/<token>/`` and ``/s/q/<lobby code>/``."""

from __future__ import annotations

from django.urls import path

from branchcx.surveys import public_views

app_name = "surveys_public"
urlpatterns = [
    path("q/<str:code>/", public_views.lobby, name="lobby"),
    path("<str:token>/", public_views.respond, name="respond"),
]
