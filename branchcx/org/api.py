"""API for the organisation: the caller, units, staff and personal API tokens."""

# No `from __future__ import annotations` here: django-ninja builds its query and pagination
# models from the live annotations, and string annotations break them.

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from branchcx.audit.actions import Action, do_unmask, record
from branchcx.lib.masking import mask_name
from branchcx.org import access, actions
from branchcx.org.models import ApiToken, Branch, StaffProfile
from branchcx.org.schemas import (
    BranchCreateIn,
    BranchOut,
    BranchUpdateIn,
    MeOut,
    StaffCreatedOut,
    StaffCreateIn,
    StaffOut,
    StaffUpdateIn,
    TokenCreatedOut,
    TokenCreateIn,
    TokenOut,
    UnmaskIn,
    UnmaskOut,
)

router = Router()


def _fields_set(payload: Any, exclude: set[str]) -> dict[str, Any]:
    return {k: v for k, v in payload.model_dump(exclude_unset=True).items() if k not in exclude}


@router.get("/me", response=MeOut, tags=["me"], summary="Who am I")
def me(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    staff = access.own_staff_profile(user)
    return {
        "username": user.get_username(),
        "full_name": staff.full_name if staff else user.get_full_name(),
        "role": staff.role if staff else None,
        "branch": staff.branch if staff else None,
        "permissions": sorted(user.get_all_permissions()),
    }


class BranchFilter(Schema):
    level: str | None = None
    q: str | None = None


@router.get("/branches", response=list[BranchOut], tags=["organisation"])
@paginate
def list_branches(request: HttpRequest, filters: Query[BranchFilter]) -> QuerySet[Branch]:
    qs = access.branches_for_user(request.user)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.q:
        qs = qs.filter(Q(code__icontains=filters.q) | Q(name__icontains=filters.q))
    return qs


@router.get("/branches/{code}", response=BranchOut, tags=["organisation"])
def get_branch(request: HttpRequest, code: str) -> Branch:
    return access.get_branch_for_user(request.user, code)


@router.post("/branches", response={201: BranchOut}, tags=["organisation"])
def create_branch(request: HttpRequest, payload: BranchCreateIn) -> Status:
    parent = access.get_branch_for_user(request.user, payload.parent) if payload.parent else None
    branch = actions.do_create_branch(
        request.user, **payload.model_dump(exclude={"parent"}), parent=parent
    )
    return Status(201, branch)


@router.patch("/branches/{code}", response=BranchOut, tags=["organisation"])
def update_branch(request: HttpRequest, code: str, payload: BranchUpdateIn) -> Branch:
    branch = access.get_branch_for_user(request.user, code)
    return actions.do_update_branch(
        request.user,
        branch,
        expected_version=payload.version,
        **_fields_set(payload, {"version"}),
    )


class StaffFilter(Schema):
    branch: str | None = None
    role: str | None = None
    active: bool | None = None


@router.get("/staff", response=list[StaffOut], tags=["organisation"])
@paginate
def list_staff(request: HttpRequest, filters: Query[StaffFilter]) -> QuerySet[StaffProfile]:
    qs = access.staff_for_user(request.user)
    if filters.branch:
        qs = qs.filter(branch__code=filters.branch)
    if filters.role:
        qs = qs.filter(role=filters.role)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return qs


@router.get("/staff/{uuid}", response=StaffOut, tags=["organisation"])
def get_staff(request: HttpRequest, uuid: str) -> StaffProfile:
    staff = access.get_staff_for_user(request.user, uuid)
    record(
        Action.VIEW_PERSONAL,
        actor=request.user,
        target=staff,
        target_label=f"{staff.employee_no} {mask_name(staff.full_name)}",
    )
    return staff


@router.post("/staff", response={201: StaffCreatedOut}, tags=["organisation"])
def create_staff(request: HttpRequest, payload: StaffCreateIn) -> Status:
    branch = access.get_branch_for_user(request.user, payload.branch)
    staff, temporary = actions.do_create_staff(
        request.user, **payload.model_dump(exclude={"branch"}), branch=branch
    )
    return Status(201, {"staff": staff, "temporary_password": temporary})


@router.patch("/staff/{uuid}", response=StaffOut, tags=["organisation"])
def update_staff(request: HttpRequest, uuid: str, payload: StaffUpdateIn) -> StaffProfile:
    staff = access.get_staff_for_user(request.user, uuid)
    changes = _fields_set(payload, {"version"})
    if "branch" in changes:
        changes["branch"] = access.get_branch_for_user(request.user, changes["branch"])
    return actions.do_update_staff(request.user, staff, expected_version=payload.version, **changes)


@router.post("/staff/{uuid}/unmask", response=UnmaskOut, tags=["organisation"])
def unmask_staff(request: HttpRequest, uuid: str, payload: UnmaskIn) -> dict[str, str]:
    staff = access.get_staff_for_user(request.user, uuid)
    actions.require_manageable(request.user, staff)
    value = do_unmask(
        request.user,
        staff,
        payload.field,
        payload.reason,
        target_label=f"{staff.employee_no} {mask_name(staff.full_name)}",
    )
    return {"field": payload.field, "value": value}


@router.get("/tokens", response=list[TokenOut], tags=["me"])
@paginate
def list_tokens(request: HttpRequest) -> QuerySet[ApiToken]:
    return access.tokens_for_user(request.user)


@router.post("/tokens", response={201: TokenCreatedOut}, tags=["me"])
def create_token(request: HttpRequest, payload: TokenCreateIn) -> Status:
    token, secret = actions.do_create_token(request.user, name=payload.name, days=payload.days)
    return Status(201, {"token": token, "secret": secret})


@router.delete("/tokens/{uuid}", response={204: None}, tags=["me"])
def revoke_token(request: HttpRequest, uuid: str) -> Status:
    token = access.get_own_token(request.user, uuid)
    actions.do_revoke_token(request.user, token)
    return Status(204, None)
