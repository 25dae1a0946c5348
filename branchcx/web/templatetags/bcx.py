from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.utils.translation import gettext as _

from branchcx.lib import masking

register = template.Library()


@register.filter
def minutes(value: Any) -> int:
    """Whole minutes of a timedelta, rounded up (a lockout of 14m30s reads '15 minutes')."""
    if not isinstance(value, timedelta):
        return 0
    return -(-int(value.total_seconds()) // 60)


@register.filter
def mask_mobile(value: Any) -> str:
    return masking.mask_mobile(str(value or ""))


@register.filter
def personal_fields(staff: Any) -> list[tuple[str, str, str]]:
    """(field, label, masked value) for the personal fields of a staff profile."""
    return [
        ("mobile", str(_("Mobile")), masking.mask_mobile(staff.mobile or "")),
        (
            "id_number",
            str(_("Resident ID number")),
            masking.mask_resident_id(staff.id_number or ""),
        ),
    ]
