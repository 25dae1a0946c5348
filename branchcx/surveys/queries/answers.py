"""Responses read one by one: the response page, the API and the Excel export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from branchcx.lib.masking import mask_text
from branchcx.surveys.definition import Definition
from branchcx.surveys.models import Answer, Dimension, DimensionScore


@dataclass(frozen=True)
class AnswerPart:
    """One stored value a question gives (a pair gives two, an importance question one per
    dimension), with the wording a reader sees for it."""

    question_key: str
    role: str
    dimension: str
    wording: str
    type: str


def _part_label(role: str, dimension: str) -> str:
    labels = {
        "expectation": _("expected"),
        "perception": _("experienced"),
        "adequate": _("lowest acceptable"),
        "desired": _("desired"),
    }
    if role == "importance":
        return str(Dimension(dimension).label) if dimension in Dimension.values else dimension
    return str(labels.get(role, ""))


def answer_parts(definition: Definition) -> list[AnswerPart]:
    """Every value the questionnaire can store, in its order, keyed like the answer rows
    (question key, role, dimension), worded in the current language."""
    parts = []
    for q in definition.questions():
        dim = q.dimension or ""
        if q.type == "pair":
            parts += [
                AnswerPart(q.key, "expectation", dim, str(q.expectation_text or q.text), q.type),
                AnswerPart(q.key, "perception", dim, str(q.perception_text or q.text), q.type),
            ]
        elif q.type == "zone":
            parts += [
                AnswerPart(q.key, role, dim, f"{q.text} ({_part_label(role, dim)})", q.type)
                for role in ("adequate", "desired")
            ]
        elif q.type == "importance":
            parts += [
                AnswerPart(q.key, "importance", d, f"{q.text} ({_part_label('importance', d)})",
                           q.type)
                for d in q.dimensions
            ]  # fmt: skip
        else:
            role = {"scale": q.role, "single": "choice", "multiple": "choice"}.get(q.type, q.type)
            parts.append(AnswerPart(q.key, role, dim, str(q.text), q.type))
    return parts


def choice_labels(definition: Definition) -> dict[str, dict[str, str]]:
    """Question key -> choice value -> label in the current language."""
    return {
        q.key: {c.value: str(c.label) for c in q.choices}
        for q in definition.questions()
        if q.choices
    }


@dataclass(frozen=True)
class AnswerLine:
    question_key: str
    wording: str
    role: str
    dimension: str
    number: int | None
    choices: tuple[str, ...]
    text: str

    @property
    def is_comment(self) -> bool:
        return self.role == "text"

    @property
    def shown(self) -> str:
        if self.is_comment:
            return self.text
        if self.choices:
            return ", ".join(self.choices)
        return "" if self.number is None else str(self.number)


def answer_lines(definition: Definition, answers: Any) -> list[AnswerLine]:
    """The answers read against the questionnaire they answered: each with its question's
    wording and choice labels (comments with their numbers masked), in the questionnaire's
    order (answers to questions a later
    edit removed cannot occur: a response keeps its version)."""
    parts = answer_parts(definition)
    order = {(p.question_key, p.role, p.dimension): i for i, p in enumerate(parts)}
    wording = {(p.question_key, p.role, p.dimension): p.wording for p in parts}
    labels = choice_labels(definition)
    rows = sorted(answers, key=lambda a: order.get((a.question_key, a.role, a.dimension), 10**6))
    return [
        AnswerLine(
            question_key=a.question_key,
            wording=wording.get((a.question_key, a.role, a.dimension), a.question_key),
            role=a.role,
            dimension=a.dimension,
            number=a.number,
            choices=tuple(labels.get(a.question_key, {}).get(c, c) for c in a.choices),
            # numbers a customer wrote (their own or anyone's) are masked like everywhere
            text=mask_text(a.text or ""),
        )
        for a in rows
    ]


def answers_by_response(response_ids: list[int]) -> dict[int, list[Answer]]:
    """The answers of several responses in one query (the export reads them in batches)."""
    found: dict[int, list[Answer]] = {pk: [] for pk in response_ids}
    for answer in Answer.objects.filter(response_id__in=response_ids).order_by("response_id", "id"):
        found[answer.response_id].append(answer)
    return found


def dimensions_by_response(response_ids: list[int]) -> dict[int, dict[str, DimensionScore]]:
    found: dict[int, dict[str, DimensionScore]] = {pk: {} for pk in response_ids}
    for row in DimensionScore.objects.filter(response_id__in=response_ids):
        found[row.response_id][row.dimension] = row
    return found
