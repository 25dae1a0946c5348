from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Schema

from branchcx.audit.models import AuditEvent


class AuditEventOut(Schema):
    uuid: UUID
    created_at: datetime
    actor: str
    action: str
    branch: str | None
    target_type: str
    target_id: str
    target_label: str
    field: str
    reason: str
    ip_address: str | None
    detail: dict[str, Any]

    @staticmethod
    def resolve_actor(obj: AuditEvent) -> str:
        return obj.actor_name

    @staticmethod
    def resolve_branch(obj: AuditEvent) -> str | None:
        return obj.branch.code if obj.branch_id else None  # type: ignore[union-attr]


class AuditEventFilter(Schema):
    action: str | None = None
    actor: str | None = None
    target_id: str | None = None
    branch: str | None = None
    date_from: date | None = None
    date_to: date | None = None
