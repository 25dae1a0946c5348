"""Every change to customer records: validated, atomic, locked, audited.

Callers fetch customers and outlets through ``access.py`` (or, for imports and the demo, act
as the system), so what arrives here is already inside the actor's scope.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.audit.actions import Action, record
from branchcx.customers.models import (
    ContactChannel,
    Customer,
    Holding,
    IdType,
    Interaction,
    Product,
    Tag,
)
from branchcx.customers.queries import refresh_aum
from branchcx.lib.identifiers import normalise_document, normalise_email, normalise_mobile
from branchcx.lib.locking import lock_for_update
from branchcx.lib.masking import mask_name
from branchcx.org.access import own_staff_profile
from branchcx.org.models import Branch, Role
from branchcx.org.scoping import require_perm, scope_path

PERSONAL = ("name", "id_number", "mobile", "email", "address")
EDITABLE = (
    *PERSONAL,
    "id_type",
    "gender",
    "birth_date",
    "occupation",
    "home_outlet",
    "relationship_manager",
    "kyc_risk",
    "marketing_consent",
    "preferred_channel",
    "contact_times",
    "temperament",
    "value_orientation",
    "is_active",
)


def customer_label(customer: Customer) -> str:
    """How a customer appears in audit events: number and masked name, nothing more."""
    return f"{customer.customer_no} {mask_name(customer.name or '')}"


def _in_scope(actor: Any, branch: Branch) -> bool:
    path = scope_path(actor)
    return path is not None and branch.path.startswith(path)


def _clean(values: dict[str, Any], current: Customer | None) -> dict[str, Any]:
    """Validate and normalise fields; all problems at once, keyed by field."""
    errors: dict[str, str] = {}
    cleaned = dict(values)

    def field(name: str) -> Any:
        return cleaned.get(name, getattr(current, name, None) if current else None)

    if "name" in cleaned:
        cleaned["name"] = " ".join(str(cleaned["name"] or "").split())
        if not cleaned["name"]:
            errors["name"] = _("A name is required.")
    if "id_number" in cleaned or "id_type" in cleaned:
        id_type = field("id_type") or IdType.RESIDENT_ID
        number = str(field("id_number") or "")
        if id_type not in IdType.values:
            errors["id_type"] = _("Choose one of the listed document types.")
        elif not number:
            errors["id_number"] = _("An identity document number is required.")
        else:
            try:
                cleaned["id_number"] = normalise_document(id_type, number)
            except ValueError as exc:
                errors["id_number"] = str(exc)
    for name, normalise in (("mobile", normalise_mobile), ("email", normalise_email)):
        if cleaned.get(name):
            try:
                cleaned[name] = normalise(str(cleaned[name]))
            except ValueError as exc:
                errors[name] = str(exc)
    if "address" in cleaned:
        cleaned["address"] = str(cleaned["address"] or "").strip()
    outlet = cleaned.get("home_outlet")
    if outlet is not None and (outlet.level != Branch.Level.OUTLET or not outlet.is_active):
        errors["home_outlet"] = _("A customer's home unit must be an open outlet.")
    rm = cleaned.get("relationship_manager")
    home = field("home_outlet")
    if rm is not None and (
        rm.role != Role.RELATIONSHIP_MANAGER
        or not rm.is_active
        or (home is not None and not home.path.startswith(rm.branch.path))
    ):
        errors["relationship_manager"] = _(
            "Choose an active relationship manager of the customer's outlet or its branch."
        )
    birth = cleaned.get("birth_date")
    if birth is not None and not date(1900, 1, 1) <= birth <= timezone.localdate():
        errors["birth_date"] = _("The birth date must lie between 1900 and today.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def _apply_consent(customer: Customer, consent: bool | None) -> None:
    # PIPL: the time consent was given is evidence; withdrawing it clears it.
    if consent is None or (customer.pk and consent == customer.marketing_consent):
        return
    customer.marketing_consent = consent
    customer.marketing_consent_at = timezone.now() if consent else None


def _check_unique(customer_no: str, id_type: str, id_number: str, exclude: int | None) -> None:
    others = Customer.objects.exclude(pk=exclude) if exclude else Customer.objects.all()
    errors = {}
    if customer_no and others.filter(customer_no=customer_no).exists():
        errors["customer_no"] = _("Another customer has this customer number.")
    index: Any = Customer._meta.get_field("id_number_index")
    if (
        id_number
        and others.filter(id_type=id_type, id_number_index=index.index_for(id_number)).exists()
    ):
        errors["id_number"] = _("Another customer has this identity document.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_create_customer(
    actor: Any, *, customer_no: str, home_outlet: Branch, became_customer_on: date, **fields: Any
) -> Customer:
    require_perm(actor, "customers.add_customer")
    if not _in_scope(actor, home_outlet):
        raise ValidationError({"home_outlet": _("This outlet is outside your scope.")})
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    consent = fields.pop("marketing_consent", None)
    cleaned = _clean({"home_outlet": home_outlet, **fields}, None)
    customer_no = customer_no.strip()
    if not customer_no:
        raise ValidationError({"customer_no": _("A customer number is required.")})
    _check_unique(
        customer_no, cleaned.get("id_type", IdType.RESIDENT_ID), cleaned.get("id_number", ""), None
    )
    customer = Customer(customer_no=customer_no, became_customer_on=became_customer_on, **cleaned)
    _apply_consent(customer, consent)
    customer.full_clean(exclude=["tags"])
    customer.save()
    refresh_aum(Customer.objects.filter(pk=customer.pk))
    record(Action.CREATE, actor=actor, target=customer, target_label=customer_label(customer))
    return customer


@transaction.atomic
def do_update_customer(
    actor: Any, customer: Customer, *, expected_version: int, **changes: Any
) -> Customer:
    require_perm(actor, "customers.change_customer")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be changed.") for name in sorted(unknown)}
        )
    locked = lock_for_update(
        Customer.objects.select_related("home_outlet"), customer.pk, expected_version
    )
    if "home_outlet" in changes and not _in_scope(actor, changes["home_outlet"]):
        raise ValidationError({"home_outlet": _("This outlet is outside your scope.")})
    consent = changes.pop("marketing_consent", None)
    cleaned = _clean(changes, locked)
    if "id_number" in cleaned or "id_type" in cleaned:
        _check_unique(
            "",
            cleaned.get("id_type", locked.id_type),
            cleaned.get("id_number", locked.id_number),
            locked.pk,
        )
    changed = [name for name, value in cleaned.items() if getattr(locked, name) != value]
    if consent is not None and consent != locked.marketing_consent:
        changed.append("marketing_consent")
    if not changed:
        return locked
    for name in changed:
        if name != "marketing_consent":
            setattr(locked, name, cleaned[name])
    _apply_consent(locked, consent)
    locked.full_clean(exclude=["tags"])
    locked.version += 1
    locked.save()
    # Personal fields are named, never their values.
    record(
        Action.CHANGE,
        actor=actor,
        target=locked,
        target_label=customer_label(locked),
        detail={"fields": sorted(changed)},
    )
    return locked


@transaction.atomic
def do_set_tags(actor: Any, customer: Customer, tags: list[Tag]) -> None:
    require_perm(actor, "customers.change_customer")
    Customer.objects.select_for_update().get(pk=customer.pk)
    inactive = [t.name for t in tags if not t.is_active]
    if inactive:
        raise ValidationError({"tags": _("Retired tags cannot be added: %s") % ", ".join(inactive)})
    before = set(customer.tags.values_list("code", flat=True))
    customer.tags.set(tags)
    after = {t.code for t in tags}
    if before != after:
        record(
            Action.CHANGE,
            actor=actor,
            target=customer,
            target_label=customer_label(customer),
            detail={"tags": {"added": sorted(after - before), "removed": sorted(before - after)}},
        )


@transaction.atomic
def do_log_interaction(
    actor: Any,
    customer: Customer,
    *,
    channel: str,
    purpose: str,
    outcome: str,
    notes: str,
    presentation: str = Interaction.Presentation.CALM,
    follow_up_on: date | None = None,
    occurred_at: datetime | None = None,
) -> Interaction:
    """Record one contact. The note is kept exactly as written (encrypted)."""
    require_perm(actor, "customers.add_interaction")
    staff = own_staff_profile(actor)
    if staff is None:
        raise ValidationError({"__all__": _("Only staff members can record contacts.")})
    now = timezone.now()
    occurred_at = occurred_at or now
    errors: dict[str, str] = {}
    if channel not in ContactChannel.values:
        errors["channel"] = _("Choose one of the listed channels.")
    if not notes.strip():
        errors["notes"] = _("Write down what the customer said or asked.")
    if occurred_at > now:
        errors["occurred_at"] = _("A contact cannot be in the future.")
    if outcome == Interaction.Outcome.FOLLOW_UP and follow_up_on is None:
        errors["follow_up_on"] = _("Give the date of the follow-up.")
    if follow_up_on is not None and follow_up_on < timezone.localdate(occurred_at):
        errors["follow_up_on"] = _("The follow-up cannot be before the contact.")
    if errors:
        raise ValidationError(errors)
    interaction = Interaction(
        customer=customer,
        staff=staff,
        channel=channel,
        purpose=purpose,
        outcome=outcome,
        presentation=presentation,
        notes=notes,
        follow_up_on=follow_up_on,
        occurred_at=occurred_at,
    )
    interaction.full_clean()
    interaction.save()
    Customer.objects.filter(pk=customer.pk).update(
        last_activity_at=_later(customer.last_activity_at, occurred_at)
    )
    return interaction


def _later(current: datetime | None, new: datetime) -> datetime:
    return new if current is None or new > current else current


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter an amount such as 1234.56.")}) from None
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("Amounts have at most two decimals.")})
    return amount


@transaction.atomic
def do_upsert_holding(
    actor: Any,
    customer: Customer,
    *,
    product: Product,
    account_number: str,
    balance: Any,
    opened_on: date,
    credit_limit: Any = None,
    status: str = Holding.Status.ACTIVE,
    closed_on: date | None = None,
) -> Holding:
    """Create or update the holding identified by product and account number, then refresh
    the customer's AUM and tier."""
    require_perm(actor, "customers.change_customer")
    amount = _money(balance, "balance")
    if amount < 0 and product.category not in Product.LIABILITY_CATEGORIES:
        raise ValidationError(
            {"balance": _("Only loans and credit cards carry negative balances.")}
        )
    limit = _money(credit_limit, "credit_limit") if credit_limit not in (None, "") else None
    if status == Holding.Status.CLOSED and closed_on is None:
        raise ValidationError({"closed_on": _("A closed holding needs its closing date.")})
    if closed_on is not None and closed_on < opened_on:
        raise ValidationError({"closed_on": _("It cannot close before it opened.")})
    index: Any = Holding._meta.get_field("account_index")
    try:
        account_key = index.index_for(account_number)
    except ValueError as exc:
        raise ValidationError({"account_number": str(exc)}) from None
    holding = (
        Holding.objects.select_for_update()
        .filter(product=product, account_index=account_key)
        .first()
    )
    if holding is not None and holding.customer_id != customer.pk:
        raise ValidationError({"account_number": _("This account belongs to another customer.")})
    if holding is None:
        holding = Holding(customer=customer, product=product, account_number=account_number)
    else:
        holding.version += 1
    holding.balance = amount
    holding.credit_limit = limit
    holding.opened_on = opened_on
    holding.closed_on = closed_on
    holding.status = status
    holding.full_clean()
    holding.save()
    refresh_aum(Customer.objects.filter(pk=customer.pk))
    return holding
