"""Survey management pages for staff (``/surveys/manage/…``) and the invitation by hand
(``/surveys/invite/<customer>/``, linked from the customer page)."""

from __future__ import annotations

from django.urls import URLPattern, path

from branchcx.surveys import manage_views as views

urlpatterns: list[URLPattern] = [
    path("manage/", views.survey_list, name="manage"),
    path("manage/new/", views.survey_add, name="survey_add"),
    path("manage/rules/", views.rule_list, name="rules"),
    path("manage/rules/new/", views.rule_add, name="rule_add"),
    path("manage/rules/<int:pk>/switch/", views.rule_switch, name="rule_switch"),
    path("manage/lobby/", views.feedback_code_list, name="feedback_codes"),
    path("manage/lobby/new/", views.feedback_code_issue, name="lobby_issue"),
    path("manage/lobby/<int:pk>/retire/", views.feedback_code_retire, name="lobby_retire"),
    path("manage/lobby/<int:pk>/print/", views.feedback_code_print, name="lobby_print"),
    path("manage/<slug:code>/", views.survey_detail, name="survey"),
    path("manage/<slug:code>/edit/", views.survey_edit, name="survey_edit"),
    path("manage/<slug:code>/publish/", views.survey_publish, name="survey_publish"),
    path("manage/<slug:code>/close/", views.survey_close, name="survey_close"),
    path("manage/<slug:code>/v<int:number>/preview/", views.survey_preview, name="survey_preview"),
    path("invite/<uuid:customer>/", views.invite, name="invite"),
]
