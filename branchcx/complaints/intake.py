"""Intake: registering a complaint as the counter and the API both do it.

One action (:func:`do_intake`) holds the rules around the registration itself, so that the
page and the API refuse and accept the same complaints: a complaint that may repeat an open
one (the same customer, or a walk-in complainant with the same phone) is filed only when
staff confirm it is another matter; a complaint registered from a survey follow-up is tied
to it in the same transaction; the codes suggested from what the customer said come back
with it, never applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from branchcx.complaints import access, suggestions
from branchcx.complaints.actions import do_register_complaint
from branchcx.complaints.classifier import Suggestion
from branchcx.complaints.models import Complaint


@dataclass(frozen=True)
class Intake:
    complaint: Complaint
    duplicates: list[Complaint]  # the open complaints it may repeat (filed anyway)
    suggestions: dict[str, Suggestion | None]


def duplicate_error(duplicates: list[Complaint]) -> str:
    return _(
        "This complainant already has an open complaint (%(numbers)s). If it is the same "
        "matter, add the new facts to that complaint instead; otherwise confirm that this is "
        "a different matter."
    ) % {"numbers": ", ".join(d.number for d in duplicates)}


def do_intake(
    actor: Any, *, file_anyway: bool = False, follow_up: Any = None, **complaint: Any
) -> Intake:
    """Register a complaint (``complaint``: the fields of
    :func:`~branchcx.complaints.actions.do_register_complaint`) with the intake rules: one
    transaction, the outermost, so that the complaint and its follow-up link are kept
    together or not at all."""
    with transaction.atomic(durable=True):
        duplicates = list(
            access.open_complaints_at_intake(
                actor, complaint.get("customer"), complaint.get("complainant_phone", "")
            )
        )
        errors: dict[str, Any] = {}
        if duplicates and not file_anyway:
            errors["file_anyway"] = duplicate_error(duplicates)
        try:
            registered = do_register_complaint(actor, **complaint)
        except ValidationError as exc:
            raise ValidationError({**exc.message_dict, **errors}) from None
        if errors:
            raise ValidationError(errors)  # and the registration is rolled back
        if follow_up is not None:
            from branchcx.surveys.actions import do_link_complaint

            do_link_complaint(actor, follow_up, registered)
    return Intake(registered, duplicates, suggestions.suggest(registered.narrative))
