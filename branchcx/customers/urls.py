from __future__ import annotations

from django.urls import path

from branchcx.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export/", views.customer_export, name="export"),
    path("imports/", views.import_list, name="import"),
    path("imports/<uuid:uuid>/", views.import_detail, name="import_detail"),
    path("<uuid:uuid>/", views.customer_detail, name="detail"),
    path("<uuid:uuid>/edit/", views.customer_edit, name="edit"),
    path("<uuid:uuid>/unmask/", views.customer_unmask, name="unmask"),
    path("<uuid:uuid>/contacts/new/", views.contact_create, name="contact_create"),
]
