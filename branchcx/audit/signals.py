"""Sign-in, sign-out, failed sign-in, lockout and permission edits made outside our actions.

These are Django's and axes's own hooks; listening to them is the only way to see sign-ins
made by any view (admin included). No business rule lives here: each receiver writes one
audit event.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from branchcx.audit.actions import Action, record
from branchcx.audit.context import current_request, m2m_audit_suppressed


def _staff_branch(user: Any) -> Any:
    staff = getattr(user, "staff", None) if user is not None else None
    return staff.branch if staff is not None else None


@receiver(user_logged_in, dispatch_uid="audit.login")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(Action.LOGIN, actor=user, branch=_staff_branch(user), request=request)


@receiver(user_logged_out, dispatch_uid="audit.logout")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(Action.LOGOUT, actor=user, branch=_staff_branch(user), request=request)


def _attempted_user(username: str) -> Any:
    return get_user_model().objects.filter(username=username).select_related("staff").first()


@receiver(user_login_failed, dispatch_uid="audit.login_failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    # credentials arrive with the password already replaced by Django's placeholder; only
    # the username is kept.
    username = str(credentials.get("username", ""))[:150]
    user = _attempted_user(username)
    record(
        Action.LOGIN_FAILED,
        actor_name=username,
        branch=_staff_branch(user),
        request=request,
    )


@receiver(user_locked_out, dispatch_uid="audit.locked_out")
def _locked_out(sender: Any, request: Any, username: str, ip_address: str, **kw: Any) -> None:
    user = _attempted_user(username or "")
    record(
        Action.LOCKED_OUT,
        actor_name=(username or "")[:150],
        branch=_staff_branch(user),
        request=request,
    )


def _permission_edit(instance: Any, action: str, pk_set: Any, what: str) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if (action != "post_clear" and not pk_set) or m2m_audit_suppressed():
        return

    request = current_request.get()
    actor = getattr(request, "user", None) if request is not None else None
    record(
        Action.PERMISSION_CHANGE,
        actor=actor,
        target_label=str(instance)[:200],
        branch=_staff_branch(instance) if what != "group permissions" else None,
        detail={"what": what, "change": action.removeprefix("post_"), "ids": sorted(pk_set or [])},
    )


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="audit.groups")
def _groups_changed(sender: Any, instance: Any, action: str, pk_set: Any, **kw: Any) -> None:
    _permission_edit(instance, action, pk_set, "user groups")


@receiver(
    m2m_changed, sender=get_user_model().user_permissions.through, dispatch_uid="audit.user_perms"
)
def _user_perms_changed(sender: Any, instance: Any, action: str, pk_set: Any, **kw: Any) -> None:
    _permission_edit(instance, action, pk_set, "user permissions")


@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="audit.group_perms")
def _group_perms_changed(sender: Any, instance: Any, action: str, pk_set: Any, **kw: Any) -> None:
    _permission_edit(instance, action, pk_set, "group permissions")
