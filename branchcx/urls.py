from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from branchcx.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("branchcx.web.urls")),
    path("org/", include("branchcx.org.urls")),
    path("customers/", include("branchcx.customers.urls")),
    path("complaints/", include("branchcx.complaints.urls")),
    path("s/", include("branchcx.surveys.public_urls")),
    path("surveys/", include("branchcx.surveys.urls")),
    path("audit/", include("branchcx.audit.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "branchcx.web.views.forbidden"
handler404 = "branchcx.web.views.not_found"
handler500 = "branchcx.web.views.server_error"
