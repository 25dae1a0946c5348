"""Branch isolation: the one place that decides which rows a user may see.

Every organisation unit has a materialised ``path`` (``/HO/SH01/SH0101/``). A member of staff
sees the subtree of the unit they are assigned to: an outlet's teller sees that outlet, a
branch manager the branch and its outlets, head office the whole network. Roles decide what
a user may *do*; the assignment decides what they may *see*.

A model that belongs to a unit declares ``scope_field`` (the path from the model to its
:class:`~branchcx.org.models.Branch`, e.g. ``"branch"`` or ``"customer__home_outlet"``) and uses
:class:`ScopedManager`. The system check in :mod:`branchcx.org.checks` refuses to start when a
model with a branch foreign key has neither, so a new app cannot forget.
"""

from __future__ import annotations

from typing import Any, Self

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404


def scope_path(user: Any) -> str | None:
    """The branch path whose subtree ``user`` may see.

    "" means the whole network; None means nothing (anonymous, inactive or unassigned).
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    # Cached on the user object, which lives for one request.
    if hasattr(user, "_branchcx_scope_path"):
        cached: str | None = user._branchcx_scope_path
        return cached
    from branchcx.org.access import own_staff_profile

    profile = own_staff_profile(user)
    if profile is not None:
        path: str | None = "" if profile.branch.parent_id is None else profile.branch.path
    elif user.is_superuser:
        path = ""
    else:
        path = None
    user._branchcx_scope_path = path
    return path


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> Self:
        """Rows inside the user's scope; an empty queryset for anonymous or unassigned users."""
        path = scope_path(user)
        if path is None:
            return self.none()
        if path == "":
            return self
        field = getattr(self.model, "scope_field", None)
        if field is None:
            raise TypeError(f"{self.model.__name__} uses ScopedManager without a scope_field.")
        lookup = f"{field}__path__startswith" if field else "path__startswith"
        return self.filter(**{lookup: path})


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


def get_in_scope(queryset: ScopedQuerySet, user: Any, **lookup: Any) -> Any:
    """The one object matching ``lookup`` inside the user's scope, else Http404.

    Out-of-scope and non-existent objects are indistinguishable, so an id from another branch
    reveals nothing. Every app's ``access.py`` getter is built on this.
    """
    try:
        return queryset.visible_to(user).get(**lookup)
    except (queryset.model.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404 from None


def require_perm(user: Any, permission: str) -> None:
    """403 unless the user holds ``permission``; call after the scoped fetch (404 first)."""
    if not user.has_perm(permission):
        raise PermissionDenied
