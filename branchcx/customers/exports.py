"""Customer lists to Excel: masked by default, plaintext only with permission and a reason.

Every export is an audit event naming the filters, the number of rows and whether personal
data left the system unmasked.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from branchcx.audit.actions import EXPORT_PERMISSION, Action, record
from branchcx.customers.models import Customer
from branchcx.lib import masking
from branchcx.lib.workbooks import About, Workbook
from branchcx.org.access import scope_label
from branchcx.org.scoping import require_perm

EXPORT_LIMIT = 50_000


def _headers() -> list[str]:
    return [
        _("Customer number"),
        pgettext("person", "Name"),
        _("Gender"),
        _("Birth year"),
        _("ID type"),
        _("ID number"),
        _("Mobile"),
        _("Email"),
        _("Address"),
        _("Home outlet"),
        _("Relationship manager"),
        _("Tier"),
        _("AUM (CNY)"),
        _("KYC risk level"),
        _("Marketing consent"),
        _("Customer since"),
        _("Last activity"),
    ]


def _personal(customer: Customer, unmasked: bool) -> list[str]:
    if unmasked:
        return [
            customer.name,
            customer.id_number,
            customer.mobile,
            customer.email,
            customer.address,
        ]
    return [
        masking.mask_name(customer.name or ""),
        masking.mask_document(customer.id_type, customer.id_number or ""),
        masking.mask_mobile(customer.mobile or ""),
        masking.mask_email(customer.email or ""),
        masking.mask_address(customer.address or ""),
    ]


def _rows(customers: QuerySet[Customer], unmasked: bool) -> Any:
    queryset = customers.select_related("home_outlet", "tier", "relationship_manager").order_by(
        "customer_no"
    )
    for c in queryset.iterator(chunk_size=2000):
        name, id_number, mobile, email, address = _personal(c, unmasked)
        last = timezone.localtime(c.last_activity_at).date() if c.last_activity_at else None
        yield [
            c.customer_no,
            name,
            c.get_gender_display(),
            c.birth_date.year if c.birth_date else None,
            c.get_id_type_display(),
            id_number,
            mobile,
            email,
            address,
            c.home_outlet.name,
            c.relationship_manager.full_name if c.relationship_manager else "",
            c.tier.name if c.tier else "",
            c.aum,
            c.get_kyc_risk_display(),
            bool(c.marketing_consent),
            c.became_customer_on,
            last,
        ]


def _filter_label(name: str) -> str:
    labels = {
        "q": _("Search"),
        "tag": _("Tag"),
        "tier": _("Tier"),
        "outlet": _("Outlet"),
        "rm": _("Relationship manager"),
    }
    return str(labels.get(name, name))


def audit_filters(filters: dict[str, str]) -> dict[str, str]:
    """The filters as the audit log keeps them: a search term may be a mobile or ID number,
    so only its first character is kept."""
    kept = {k: v for k, v in filters.items() if v}
    if kept.get("q"):
        kept["q"] = kept["q"][:1] + masking.MASK * 3
    return kept


def export_customers(
    actor: Any,
    customers: QuerySet[Customer],
    *,
    filters: dict[str, str],
    unmasked: bool = False,
    reason: str = "",
) -> tuple[bytes, int]:
    """The .xlsx bytes of ``customers`` (already scoped and filtered) and the row count."""
    require_perm(actor, "customers.export_customers")
    reason = reason.strip()
    if unmasked:
        if not actor.has_perm(EXPORT_PERMISSION):
            raise PermissionDenied
        if len(reason) < 4:
            raise ValidationError(
                {"reason": _("Give a reason of at least 4 characters to export unmasked data.")}
            )
    count = customers.count()
    if count > EXPORT_LIMIT:
        raise ValidationError(
            _("%(n)s customers match; narrow the filters to at most %(limit)s.")
            % {"n": count, "limit": EXPORT_LIMIT}
        )
    kept = audit_filters(filters)
    kept.pop("search", None)  # the session key of a search says nothing to a reader
    book = Workbook(
        About(
            title=_("Customer list"),
            actor=actor,
            scope=scope_label(actor),
            masking=(
                _("Unmasked with the reason: %(reason)s") % {"reason": reason}
                if unmasked
                else _("Names, ID numbers, mobiles, emails and addresses are masked.")
            ),
            filters=[(_filter_label(k), v) for k, v in kept.items()],
        )
    )
    written = book.sheet(_("Customers"), _headers()).extend(_rows(customers, unmasked))
    data = book.close()
    record(
        Action.EXPORT,
        actor=actor,
        target_label=_("Customer list"),
        reason=reason,
        field="customers",
        detail={
            "filters": audit_filters(filters),
            "rows": written,
            "unmasked": unmasked,
        },
    )
    return data, written
