"""Forms of the survey management pages: surveys and their wording, distribution rules,
lobby codes and invitations by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError as DefinitionError

from branchcx.customers.models import Transaction
from branchcx.org.models import Branch
from branchcx.surveys.definition import parse
from branchcx.surveys.models import Invitation, Survey

QUESTIONNAIRES = Path(__file__).resolve().parent / "questionnaires"
# The questionnaires shipped with BranchCX a new survey may start from.
SHIPPED = {
    "servqual": _("SERVQUAL service quality (22 items)"),
    "post_visit": _("After a visit (short)"),
    "post_complaint": _("After a complaint (revisit)"),
}
RULE_TRIGGERS = [
    (Invitation.Trigger.COMPLAINT_CLOSED.value, Invitation.Trigger.COMPLAINT_CLOSED.label),
    (Invitation.Trigger.TRANSACTION.value, Invitation.Trigger.TRANSACTION.label),
    (Invitation.Trigger.QUEUE_VISIT.value, Invitation.Trigger.QUEUE_VISIT.label),
]
SENT_CHANNELS = [
    (Invitation.Channel.SMS.value, Invitation.Channel.SMS.label),
    (Invitation.Channel.EMAIL.value, Invitation.Channel.EMAIL.label),
]


def shipped_document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (QUESTIONNAIRES / f"{name}.json").read_text(encoding="utf-8")
    )
    return document


# --- the questionnaire as JSON ----------------------------------------------------------------


def where(document: Any, location: tuple[Any, ...]) -> str:
    """A pydantic error location said the way an editor finds it: ``sections[1].questions[3]
    .scale.max`` becomes "section 2 (overall) > question 4 (nps) > scale > max"."""
    parts: list[str] = []
    node = document
    index = 0
    while index < len(location):
        step = location[index]
        following = location[index + 1] if index + 1 < len(location) else None
        if step in ("sections", "questions", "choices") and isinstance(following, int):
            items = node.get(step) if isinstance(node, dict) else None
            item = items[following] if isinstance(items, list) and following < len(items) else None
            key = item.get("key") or item.get("value") if isinstance(item, dict) else None
            noun = {
                "sections": _g("section"),
                "questions": _g("question"),
                "choices": _g("choice"),
            }[step]
            parts.append(f"{noun} {following + 1}" + (f" ({key})" if key else ""))
            node = item
            index += 2
            continue
        parts.append(str(step))
        node = node.get(step) if isinstance(node, dict) else None
        index += 1
    return " > ".join(parts)


def definition_errors(document: Any, exc: DefinitionError) -> list[str]:
    """Every problem of a questionnaire, each with where it is."""
    found = []
    for error in exc.errors():
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        location = where(document, tuple(error.get("loc", ())))
        found.append(f"{location}: {message}" if location else message)
    return found


class DefinitionField(forms.CharField):
    """The questionnaire as a JSON document, checked as a whole: a syntax error says its line
    and column, a questionnaire error says which section and question."""

    widget = forms.Textarea(attrs={"rows": 30, "spellcheck": "false"})
    # where a syntax error is, for the editor to put the cursor there
    error_line: int | None = None
    error_column: int | None = None

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return text
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            self.error_line, self.error_column = exc.lineno, exc.colno
            raise ValidationError(
                _g("Not valid JSON, line %(line)d column %(column)d: %(message)s")
                % {"line": exc.lineno, "column": exc.colno, "message": exc.msg},
                code="json",
            ) from None
        if not isinstance(document, dict):
            raise ValidationError(_g("The questionnaire is one JSON object { … }."))
        try:
            parse(document)
        except DefinitionError as exc:
            raise ValidationError(definition_errors(document, exc), code="definition") from None
        return document


class DraftForm(forms.Form):
    definition = DefinitionField(label=_("Questionnaire (JSON)"), max_length=200_000)
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(forms.Form):
    """Publish or close: only the version the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput)


# Words of the management URLs (/surveys/manage/rules/): not a survey's code.
RESERVED_CODES = {"new", "rules", "lobby"}


class SurveyCreateForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Short, lower case, for the command line and reports, e.g. wealth-2026."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Survey.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=150, required=False)
    allow_anonymous = forms.BooleanField(
        label=_("Customers may answer anonymously"), required=False, initial=True
    )
    invitation_days = forms.IntegerField(
        label=_("An invitation is valid for (days)"), min_value=1, max_value=90, initial=14
    )
    start_from = forms.ChoiceField(label=_("Start from"))

    def __init__(self, *args: Any, copies: list[Survey], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.copies = {s.code: s for s in copies}
        self.fields["start_from"].choices = [  # type: ignore[attr-defined]
            (_("Questionnaires shipped with BranchCX"), [(f"shipped:{k}", v) for k, v in
                                                          SHIPPED.items()]),
            (_("A copy of the current version of"), [(f"copy:{s.code}", s.name) for s in
                                                     copies]),
        ]  # fmt: skip

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        if code in RESERVED_CODES:
            raise ValidationError(_g("This code is reserved: choose another."))
        return code

    def document(self) -> dict[str, Any]:
        """The questionnaire the new survey starts from."""
        source, _sep, name = self.cleaned_data["start_from"].partition(":")
        if source == "shipped":
            return shipped_document(name)
        current = self.copies[name].current()
        if current is None:  # a survey never published has nothing to copy
            raise ValidationError({"start_from": _g("This survey has no published version.")})
        return dict(current.definition)


# --- rules, lobby codes, invitations ----------------------------------------------------------


class RuleForm(forms.Form):
    survey = forms.ModelChoiceField(label=_("Survey"), queryset=Survey.objects.none())
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Branch.objects.none(),
        help_text=_("The rule invites the customers of this unit's outlets."),
    )
    trigger = forms.ChoiceField(label=_("After"), choices=RULE_TRIGGERS)
    transaction_kinds = forms.MultipleChoiceField(
        label=_("Transaction types (for a rule after a transaction)"),
        choices=Transaction.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    channel = forms.ChoiceField(label=_("Sent by"), choices=SENT_CHANNELS)
    sample_percent = forms.IntegerField(
        label=_("Share invited (%)"), min_value=1, max_value=100, initial=100
    )
    daily_quota = forms.IntegerField(
        label=_("At most per outlet per day"),
        min_value=0,
        initial=50,
        help_text=_("0 for no limit."),
    )

    def __init__(self, *args: Any, surveys: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = surveys  # type: ignore[attr-defined]
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class FeedbackCodeForm(forms.Form):
    survey = forms.ModelChoiceField(label=_("Survey"), queryset=Survey.objects.none())
    outlet = forms.ModelChoiceField(label=_("Outlet"), queryset=Branch.objects.none())

    def __init__(self, *args: Any, surveys: Any, outlets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = surveys  # type: ignore[attr-defined]
        self.fields["outlet"].queryset = outlets  # type: ignore[attr-defined]


class InviteForm(forms.Form):
    survey = forms.ModelChoiceField(label=_("Survey"), queryset=Survey.objects.none())
    channel = forms.ChoiceField(label=_("How"), choices=Invitation.Channel.choices)

    def __init__(
        self, *args: Any, surveys: Any, channels: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = surveys  # type: ignore[attr-defined]
        self.fields["channel"].choices = channels  # type: ignore[attr-defined]
