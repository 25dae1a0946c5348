"""Scoped getters for the organisation: the only way views and endpoints fetch org objects."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from branchcx.org.models import ApiToken, Branch, Role, StaffProfile
from branchcx.org.scoping import get_in_scope, require_perm


def branches_for_user(user: Any) -> QuerySet[Branch]:
    require_perm(user, "org.view_branch")
    return Branch.objects.visible_to(user).select_related("parent")


def units_for_user(
    user: Any, *, levels: Iterable[str] | None = None, open_only: bool = False
) -> QuerySet[Branch]:
    """The units of the user's scope in tree order: the one source of every unit picker and
    report filter. ``levels`` narrows to branches and/or outlets; closed units are included
    unless ``open_only`` (they have history to report on, but take no new work)."""
    units = Branch.objects.visible_to(user)
    if levels is not None:
        units = units.filter(level__in=list(levels))
    if open_only:
        units = units.filter(is_active=True)
    return units.order_by("path")


def get_branch_for_user(user: Any, code: str) -> Branch:
    branch: Branch = get_in_scope(Branch.objects.select_related("parent"), user, code=code)
    require_perm(user, "org.view_branch")
    return branch


def staff_for_user(user: Any) -> QuerySet[StaffProfile]:
    require_perm(user, "org.view_staffprofile")
    return StaffProfile.objects.visible_to(user).select_related("branch", "user")


def get_staff_for_user(user: Any, staff_uuid: UUID | str) -> StaffProfile:
    staff: StaffProfile = get_in_scope(
        StaffProfile.objects.select_related("branch", "user"), user, uuid=staff_uuid
    )
    require_perm(user, "org.view_staffprofile")
    return staff


_OWN_PROFILE = "_branchcx_staff_profile"


def own_staff_profile(user: Any) -> StaffProfile | None:
    """The user's own active staff profile, with their unit (None for anyone else: anonymous,
    a superuser without one, a deactivated member of staff).

    The one way code finds "the staff member doing this". Cached on the user object, which
    lives for one request (or one task); :func:`forget_own_staff_profile` drops the cache
    after the profile itself changed."""
    if user is None or not getattr(user, "pk", None):
        return None
    try:
        cached: StaffProfile | None = getattr(user, _OWN_PROFILE)
        return cached
    except AttributeError:
        pass
    profile = (
        StaffProfile.objects.select_related("branch")
        .filter(user_id=user.pk, is_active=True)
        .first()
    )
    setattr(user, _OWN_PROFILE, profile)
    return profile


def forget_own_staff_profile(user: Any) -> None:
    """Drop what :func:`own_staff_profile` and the scope cached on this user object."""
    for name in (_OWN_PROFILE, "_branchcx_scope_path"):
        user.__dict__.pop(name, None)


def scope_label(user: Any, unit: Branch | None = None) -> str:
    """How reports and exports name what they cover: the unit chosen, else the user's own
    unit and the units under it (the whole network for head office)."""
    if unit is not None:
        return f"{unit.name} ({unit.code})"
    profile = own_staff_profile(user)
    if profile is None or profile.branch.parent_id is None:
        return _("Whole network")
    return _("%(unit)s and the units under it") % {
        "unit": f"{profile.branch.name} ({profile.branch.code})"
    }


def role_of(user: Any) -> str | None:
    """The user's role; a superuser without a staff profile counts as head office."""
    staff = own_staff_profile(user)
    if staff is not None:
        return staff.role
    return Role.HEAD_OFFICE_ADMIN if user.is_superuser else None


def tokens_for_user(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=user.pk)


def get_own_token(user: Any, token_uuid: UUID | str) -> ApiToken:
    """A user manages only their own tokens; anyone else's is a 404."""
    try:
        return ApiToken.objects.get(user_id=user.pk, uuid=token_uuid)
    except (ApiToken.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
