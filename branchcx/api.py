"""The JSON API at ``/api/v1/``: authentication, rate limits and one shape for every error.

Every error body is ``{"detail": <message>, "code": <machine code>}``, with ``errors`` added
for field-level problems:

=====  ======================  ==========================================================
400    ``bad_request``          the body is not JSON
401    ``not_authenticated``    no valid session or bearer token
403    ``permission_denied``    signed in, but the role may not do this (or CSRF failed)
404    ``not_found``            no such record *in your scope* (out-of-scope looks the same)
409    ``conflict``             the record changed since you read it (send the new version)
413    ``too_large``            the body exceeds ``BRANCHCX_MAX_BODY_BYTES``
422    ``invalid``              the input failed validation (unknown fields included)
429    ``throttled``            too many requests; ``Retry-After`` says when to come back
=====  ======================  ==========================================================
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import AnonRateThrottle, UserRateThrottle

from branchcx.audit.api import router as audit_router
from branchcx.complaints.api import router as complaints_router
from branchcx.complaints.report_api import router as complaint_stats_router
from branchcx.customers.api import router as customers_router
from branchcx.lib.clientip import client_ip
from branchcx.lib.errors import ConflictError
from branchcx.org.actions import authenticate_token
from branchcx.org.api import router as org_router
from branchcx.surveys.api import router as surveys_router

BAD_TOKEN_LIMIT = 20  # failed bearer tokens per client address and minute


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer bcx_…`` with a personal API token.

    Rate limits run only after authentication succeeds, so failed tokens are counted here:
    a client sending many wrong tokens is answered 429 before any more are looked up.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        key = f"api-bad-token:{client_ip(request)}"
        if cache.get(key, 0) >= BAD_TOKEN_LIMIT:
            raise Throttled(60)
        user = authenticate_token(token)
        if user is None:
            cache.add(key, 0, timeout=60)
            cache.incr(key)
            return None
        request.user = user
        return user


class _SettingsRate:
    """Read the rate from settings on every request, so operators (and tests) can change it."""

    setting = ""

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = getattr(settings, self.setting)
        self.num_requests, self.duration = self.parse_rate(self.rate)  # type: ignore[attr-defined]
        return super().allow_request(request)  # type: ignore[misc]

    def get_ident(self, request: HttpRequest) -> str:
        return client_ip(request)


class AnonThrottle(_SettingsRate, AnonRateThrottle):
    setting = "BRANCHCX_API_ANON_RATE"


class UserThrottle(_SettingsRate, UserRateThrottle):
    setting = "BRANCHCX_API_RATE"


class StaffSessionAuth(SessionAuth):
    """The browser's session; CSRF is enforced on unsafe methods."""


api = NinjaAPI(
    title="BranchCX API",
    version="1",
    description="Customer-service management for bank branches. Errors: see the module docs.",
    urls_namespace="api",
    auth=[BearerTokenAuth(), StaffSessionAuth()],
    throttle=[
        AnonThrottle(settings.BRANCHCX_API_ANON_RATE),
        UserThrottle(settings.BRANCHCX_API_RATE),
    ],
    # The interactive docs (vendored Swagger UI from the "ninja" app) only in debug; the
    # OpenAPI document stays public: it describes the contract and holds no data.
    docs_url="/docs" if settings.DEBUG else None,
)


def error(request: HttpRequest, status: int, code: str, detail: Any, **extra: Any) -> HttpResponse:
    response = api.create_response(
        request, {"detail": detail, "code": code, **extra}, status=status
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="branchcx"'
    return response


def _field_errors(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Schema errors in the same shape as action errors: {"field": ["message", …]}."""
    by_field: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(part) for part in err.get("loc", [])[1:]]  # drop "body"/"query"/"path"
        if loc and loc[0] == "payload":
            loc = loc[1:]
        by_field.setdefault(".".join(loc) or "__all__", []).append(str(err.get("msg", "")))
    return by_field


@api.exception_handler(NinjaValidationError)
def _invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return error(
        request, 422, "invalid", _("The input is not valid."), errors=_field_errors(exc.errors)
    )


@api.exception_handler(IntegrityError)
def _integrity(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # Two requests raced past the same uniqueness check; the database kept one of them.
    return error(request, 409, "conflict", _("This was just created or changed; reload and retry."))


@api.exception_handler(DjangoValidationError)
def _invalid_action(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return error(request, 422, "invalid", _("The input is not valid."), errors=errors)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", _("Not found."))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error(
        request,
        403,
        "permission_denied",
        str(exc) or _("Your role does not allow this."),
    )


@api.exception_handler(ConflictError)
def _conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
    return error(request, 409, "conflict", str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error(request, 413, "too_large", _("The request body is too large."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        return error(request, 401, "not_authenticated", _("Sign in or send a valid API token."))
    if isinstance(exc, Throttled):
        response = error(request, 429, "throttled", _("Too many requests; slow down."))
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait) + 1)
        return response
    if exc.status_code == 403 and "CSRF" in str(exc):
        return error(
            request, 403, "csrf_failed", _("The CSRF token is missing or wrong; reload the page.")
        )
    if exc.status_code == 403:
        return error(request, 403, "permission_denied", _("Your role does not allow this."))
    if exc.status_code == 400:
        return error(request, 400, "bad_request", _("The request body is not valid JSON."))
    return error(request, exc.status_code, "error", str(exc))


api.add_router("/", org_router)
api.add_router("/audit", audit_router)
api.add_router("/", customers_router)
# /complaints/statistics before /complaints/{uuid}, which would otherwise take it
api.add_router("/", complaint_stats_router)
api.add_router("/", complaints_router)
api.add_router("/", surveys_router)
