"""Writing audit events, and the audited actions that reveal personal data."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from branchcx.audit.context import current_request
from branchcx.audit.models import AuditEvent
from branchcx.lib.clientip import client_ip

Action = AuditEvent.Action
UNMASK_PERMISSION = "audit.unmask_personal_data"
EXPORT_PERMISSION = "audit.export_personal_data"


def _target_branch(target: models.Model | None) -> Any:
    """The organisation unit a record belongs to, following its model's ``scope_field``."""
    if target is None:
        return None
    field = getattr(type(target), "scope_field", None)
    if field is None:
        return None
    if field == "":
        return target
    obj: Any = target
    for part in field.split("__"):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def record(
    action: str,
    *,
    actor: Any = None,
    target: models.Model | None = None,
    target_label: str = "",
    branch: Any = None,
    field: str = "",
    reason: str = "",
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor_name: str = "",
) -> AuditEvent:
    """Append one audit event. ``target_label`` must already be masked."""
    request = request or current_request.get()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if actor is not None and not isinstance(actor, get_user_model()):
        # The command line's SystemActor: recorded by name, it has no user row.
        actor_name = actor_name or actor.get_username()
        actor = None
    event = AuditEvent(
        action=action,
        actor=actor,
        actor_name=actor_name or (actor.get_username() if actor is not None else ""),
        branch=branch if branch is not None else _target_branch(target),
        target_type=target._meta.label if target is not None else "",
        target_id=str(getattr(target, "uuid", None) or getattr(target, "code", None) or "")
        if target is not None
        else "",
        target_label=target_label[:200],
        field=field,
        reason=reason,
        detail=detail or {},
    )
    if request is not None:
        event.ip_address = client_ip(request) or None
        event.user_agent = str(request.META.get("HTTP_USER_AGENT", ""))[:255]
    event.save()
    return event


def do_unmask(
    user: Any, target: models.Model, field_name: str, reason: str, *, target_label: str = ""
) -> str:
    """Return the plaintext of one personal field, recording who asked and why.

    The caller must already have fetched ``target`` through the app's scoped ``access.py``.
    """
    if not user.has_perm(UNMASK_PERMISSION):
        raise PermissionDenied
    reason = reason.strip()
    if len(reason) < 4:
        raise ValueError(_("Give a reason of at least 4 characters to unmask data."))
    with transaction.atomic():
        record(
            Action.UNMASK,
            actor=user,
            target=target,
            target_label=target_label,
            field=field_name,
            reason=reason,
        )
        value: str = getattr(target, field_name)
    return value
