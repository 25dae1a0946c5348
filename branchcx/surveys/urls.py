from __future__ import annotations

from django.urls import path

from branchcx.surveys import comment_urls, manage_urls, report_urls, response_urls, views

app_name = "surveys"
urlpatterns = [
    path("follow-ups/", views.follow_up_list, name="follow_ups"),
    path("follow-ups/<uuid:uuid>/", views.follow_up_detail, name="follow_up"),
    *report_urls.urlpatterns,
    *manage_urls.urlpatterns,
    *response_urls.urlpatterns,
    *comment_urls.urlpatterns,
]
