from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from branchcx.lib.apischema import InputSchema
from branchcx.lib.masking import mask_mobile, mask_resident_id
from branchcx.org.models import Branch, StaffProfile

LevelName = Literal["head_office", "branch", "outlet"]
RoleName = Literal[
    "head_office_admin",
    "branch_manager",
    "lobby_manager",
    "teller",
    "relationship_manager",
    "complaint_officer",
    "auditor",
]


class BranchRef(Schema):
    code: str
    name: str
    level: str


class BranchOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None = Field(None, description="Parent unit's code")
    city: str
    address: str
    phone: str
    opening_hours: dict[str, str]
    is_active: bool
    version: int

    @staticmethod
    def resolve_parent(obj: Branch) -> str | None:
        return obj.parent.code if obj.parent_id else None  # type: ignore[union-attr]


class BranchCreateIn(InputSchema):
    code: str = Field(..., pattern=r"^[A-Z0-9]{2,12}$")
    name: str = Field(..., min_length=1, max_length=100)
    level: LevelName
    parent: str | None = Field(None, description="Parent unit's code")
    city: str = Field("", max_length=50)
    address: str = Field("", max_length=255)
    phone: str = Field("", max_length=30)
    opening_hours: dict[str, str] = Field(default_factory=dict)


class BranchUpdateIn(InputSchema):
    version: int = Field(..., description="The version you read; a newer one answers 409.")
    name: str | None = Field(None, min_length=1, max_length=100)
    city: str | None = Field(None, max_length=50)
    address: str | None = Field(None, max_length=255)
    phone: str | None = Field(None, max_length=30)
    opening_hours: dict[str, str] | None = None
    is_active: bool | None = None


class StaffOut(Schema):
    uuid: UUID
    username: str
    employee_no: str
    full_name: str
    role: str
    branch: BranchRef
    mobile: str = Field(..., description="Masked; use the unmask endpoint to read it.")
    id_number: str = Field(..., description="Masked; use the unmask endpoint to read it.")
    is_active: bool
    version: int

    @staticmethod
    def resolve_username(obj: StaffProfile) -> str:
        return obj.user.get_username()

    @staticmethod
    def resolve_mobile(obj: StaffProfile) -> str:
        return mask_mobile(obj.mobile)

    @staticmethod
    def resolve_id_number(obj: StaffProfile) -> str:
        return mask_resident_id(obj.id_number)


class StaffCreateIn(InputSchema):
    username: str = Field(..., min_length=3, max_length=150)
    full_name: str = Field(..., min_length=1, max_length=50)
    employee_no: str = Field(..., min_length=3, max_length=20)
    role: RoleName
    branch: str = Field(..., description="Unit code")
    mobile: str = Field("", max_length=20)
    id_number: str = Field("", max_length=18)


class StaffCreatedOut(Schema):
    staff: StaffOut
    temporary_password: str = Field(
        ..., description="One-time password to hand over; it must be changed at first sign-in."
    )


class StaffUpdateIn(InputSchema):
    version: int
    full_name: str | None = Field(None, min_length=1, max_length=50)
    role: RoleName | None = None
    branch: str | None = Field(None, description="Unit code")
    mobile: str | None = Field(None, max_length=20)
    id_number: str | None = Field(None, max_length=18)
    is_active: bool | None = None


class UnmaskIn(InputSchema):
    field: Literal["mobile", "id_number"]
    reason: str = Field(..., min_length=4, max_length=500)


class UnmaskOut(Schema):
    field: str
    value: str


class MeOut(Schema):
    username: str
    full_name: str
    role: str | None
    branch: BranchRef | None
    permissions: list[str]


class TokenOut(Schema):
    uuid: UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreateIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    days: int | None = Field(None, ge=1, le=366)


class TokenCreatedOut(Schema):
    token: TokenOut
    secret: str = Field(..., description="Shown once; store it now.")
