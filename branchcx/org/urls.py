from __future__ import annotations

from django.urls import path

from branchcx.org import calendar_views, views

app_name = "org"
urlpatterns = [
    path("units/", views.branch_list, name="branch_list"),
    path("units/new/", views.branch_create, name="branch_create"),
    path("units/<str:code>/", views.branch_detail, name="branch_detail"),
    path("units/<str:code>/edit/", views.branch_edit, name="branch_edit"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<uuid:uuid>/", views.staff_detail, name="staff_detail"),
    path("staff/<uuid:uuid>/edit/", views.staff_edit, name="staff_edit"),
    path("staff/<uuid:uuid>/unmask/", views.staff_unmask, name="staff_unmask"),
    path(
        "staff/<uuid:uuid>/reset-password/", views.staff_reset_password, name="staff_reset_password"
    ),
    path("calendar/", calendar_views.calendar_list, name="calendar"),
    path("calendar/add/", calendar_views.calendar_add, name="calendar_add"),
    path("calendar/<str:day>/", calendar_views.calendar_edit, name="calendar_edit"),
    path("calendar/<str:day>/delete/", calendar_views.calendar_delete, name="calendar_delete"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<uuid:uuid>/revoke/", views.token_revoke, name="token_revoke"),
]
