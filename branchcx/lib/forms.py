"""Form helpers shared by every app's views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from branchcx.lib.errors import ConflictError


class DateInput(forms.DateInput):
    """The browser's date picker (``web/_field.html`` reads ``input_type``), in ISO form."""

    input_type = "date"

    def __init__(self, attrs: Any = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def add_action_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show an action's ValidationError on the form, on the field it names when the form has
    that field and at the top otherwise, so no message is lost."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, messages in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def run_action(form: forms.Form, action: Callable[[], Any]) -> tuple[bool, Any]:
    """Call an action for a valid form; validation and edit conflicts land on the form.

    Returns (succeeded, the action's result)."""
    try:
        return True, action()
    except ValidationError as exc:
        add_action_errors(form, exc)
    except ConflictError as exc:
        form.add_error(None, str(exc))
    return False, None
