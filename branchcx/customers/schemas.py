from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from branchcx.customers.customer_panels import masked_account
from branchcx.customers.models import Customer, Holding, Interaction, Transaction
from branchcx.lib import masking
from branchcx.lib.apischema import InputSchema

PersonalField = Literal["name", "id_number", "mobile", "email", "address"]


class Ref(Schema):
    code: str
    name: str


class CustomerOut(Schema):
    """A customer as lists show it: personal fields masked."""

    uuid: UUID
    customer_no: str
    name: str = Field(..., description="Masked.")
    mobile: str = Field(..., description="Masked.")
    home_outlet: Ref
    tier: Ref | None
    aum: Decimal
    relationship_manager: str | None = Field(None, description="Full name")
    last_activity_at: datetime | None
    is_active: bool

    @staticmethod
    def resolve_name(obj: Customer) -> str:
        return masking.mask_name(obj.name or "")

    @staticmethod
    def resolve_mobile(obj: Customer) -> str:
        return masking.mask_mobile(obj.mobile or "")

    @staticmethod
    def resolve_relationship_manager(obj: Customer) -> str | None:
        rm = obj.relationship_manager
        return rm.full_name if rm else None


class ProfileOut(CustomerOut):
    gender: str
    birth_year: int | None
    id_type: str
    id_number: str = Field(..., description="Masked.")
    email: str = Field(..., description="Masked.")
    address: str = Field(..., description="Masked.")
    occupation: str
    kyc_risk: str
    marketing_consent: bool
    marketing_consent_at: datetime | None
    preferred_channel: str
    contact_times: str
    temperament: str
    value_orientation: str
    tags: list[str]
    became_customer_on: date
    version: int

    @staticmethod
    def resolve_birth_year(obj: Customer) -> int | None:
        return obj.birth_date.year if obj.birth_date else None

    @staticmethod
    def resolve_id_number(obj: Customer) -> str:
        return masking.mask_document(obj.id_type, obj.id_number or "")

    @staticmethod
    def resolve_email(obj: Customer) -> str:
        return masking.mask_email(obj.email or "")

    @staticmethod
    def resolve_address(obj: Customer) -> str:
        return masking.mask_address(obj.address or "")

    @staticmethod
    def resolve_tags(obj: Customer) -> list[str]:
        return [t.code for t in obj.tags.all()]


class HoldingOut(Schema):
    uuid: UUID
    product: str
    product_name: str
    category: str
    account_number: str = Field(..., description="Masked.")
    balance: Decimal
    credit_limit: Decimal | None
    opened_on: date
    closed_on: date | None
    status: str

    @staticmethod
    def resolve_product(obj: Holding) -> str:
        return obj.product.code

    @staticmethod
    def resolve_product_name(obj: Holding) -> str:
        return obj.product.name

    @staticmethod
    def resolve_category(obj: Holding) -> str:
        return obj.product.category

    @staticmethod
    def resolve_account_number(obj: Holding) -> str:
        return masked_account(obj)


class TransactionOut(Schema):
    occurred_at: datetime
    amount: Decimal
    direction: str
    kind: str
    channel: str
    outlet: str | None = Field(None, description="Outlet code")
    product: str | None = Field(None, description="Product code")
    reference: str | None

    @staticmethod
    def resolve_outlet(obj: Transaction) -> str | None:
        return obj.outlet.code if obj.outlet else None

    @staticmethod
    def resolve_product(obj: Transaction) -> str | None:
        return obj.holding.product.code if obj.holding else None


class MonthOut(Schema):
    month: str
    credit: Decimal
    debit: Decimal
    count: int


class ContactOut(Schema):
    uuid: UUID
    occurred_at: datetime
    channel: str
    purpose: str
    presentation: str
    outcome: str
    notes: str
    follow_up_on: date | None
    staff: str = Field(..., description="Full name of the member of staff")

    @staticmethod
    def resolve_staff(obj: Interaction) -> str:
        return obj.staff.full_name


class GuidanceOut(Schema):
    temperament: str | None
    value_orientation: str | None
    last_presentation: str | None


class Customer360Out(Schema):
    profile: ProfileOut
    assets: Decimal
    owed: Decimal
    next_tier: Ref | None
    holdings: list[HoldingOut]
    monthly: list[MonthOut]
    recent_transactions: list[TransactionOut]
    recent_contacts: list[ContactOut]
    guidance: GuidanceOut


class SearchIn(InputSchema):
    q: str = Field(
        ...,
        min_length=1,
        max_length=64,
        description="Customer number, mobile, document number, full name or surname (exact).",
    )


class ContactIn(InputSchema):
    channel: str
    purpose: str
    outcome: str
    notes: str = Field(..., min_length=1, max_length=4000)
    presentation: str = "calm"
    follow_up_on: date | None = None
    occurred_at: datetime | None = None


class CustomerUnmaskIn(InputSchema):
    field: PersonalField
    reason: str = Field(..., min_length=4, max_length=500)
