"""Requests answered before the rest of the stack, and the forced password change."""

from __future__ import annotations

from collections.abc import Callable

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class HealthCheckMiddleware:
    """``/healthz`` for load balancers: answered first, so neither the Host check (they probe
    by IP address) nor the HTTPS redirect (they probe over plain HTTP) gets in the way."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != "/healthz":
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            response = JsonResponse({"status": "error", "database": "unreachable"}, status=503)
        else:
            response = JsonResponse({"status": "ok", "database": "ok"})
        response["Cache-Control"] = "no-store"
        return response


class ForcePasswordChangeMiddleware:
    """Someone signed in with a temporary password may only choose a new one (or sign out)."""

    ALLOWED = ("/password/", "/logout/", "/static/", "/i18n/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        staff = getattr(user, "staff", None) if user is not None and user.is_authenticated else None
        if (
            staff is not None
            and staff.must_change_password
            and not request.path.startswith(self.ALLOWED)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "detail": _("Choose your own password before using BranchCX."),
                        "code": "password_change_required",
                    },
                    status=403,
                )
            return redirect(reverse("password_change"))
        return self.get_response(request)


API_STATUS_CODES = {
    400: "bad_request",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
}


class ApiErrorShapeMiddleware:
    """Errors produced outside django-ninja's handlers (an unsupported method, Django's own
    CSRF or size checks) still answer ``{"detail": …, "code": …}`` under ``/api/``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code in API_STATUS_CODES
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            replacement = JsonResponse(
                {
                    "detail": response.reason_phrase,
                    "code": API_STATUS_CODES[response.status_code],
                },
                status=response.status_code,
            )
            if response.has_header("Allow"):
                replacement["Allow"] = response["Allow"]
            return replacement
        return response
