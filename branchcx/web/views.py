from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from branchcx.org.actions import do_record_password_change
from branchcx.web import home as home_panels


def root(request: HttpRequest) -> HttpResponse:
    return redirect("home" if request.user.is_authenticated else "login")


@login_required
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Choose a new password (required after a temporary one); other sessions stay valid only
    on this browser (Django rotates the session hash)."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        do_record_password_change(user)
        messages.success(request, _("Your password has been changed."))
        return redirect("home")
    forced = bool(getattr(getattr(request.user, "staff", None), "must_change_password", False))
    return render(request, "web/password_change.html", {"form": form, "forced": forced})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", home_panels.context_for(request.user))


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _api_error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if _is_api(request):
        return _api_error(404, "not_found", _("Not found."))
    return render(request, "web/error.html", {"status": 404}, status=404)


def forbidden(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if _is_api(request):
        return _api_error(403, "permission_denied", _("Your role does not allow this."))
    return render(request, "web/error.html", {"status": 403}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _api_error(500, "server_error", _("Something went wrong on our side."))
    return render(request, "web/error.html", {"status": 500}, status=500)
