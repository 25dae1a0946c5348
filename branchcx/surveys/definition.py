"""What a questionnaire is: sections of questions, each with a type, bilingual wording, a scale
and an optional display condition; and how one respondent's answers are checked against it.

A version of a survey stores its definition as one JSON document, validated here. Question
*keys* are stable across versions (``e05`` stays "expectation, item 5"), so scores can compare
versions; the analytics read the normalised :class:`AnswerRow` values, never the JSON.

Question types and what an answer is:

============  ======================================================  =====================
type          meaning                                                 answer
============  ======================================================  =====================
scale         a rating on a configurable range with end labels;      int
              ``role`` says what it measures (a plain rating, the
              overall satisfaction, or an expectation / perception /
              adequate / desired level of a SERVQUAL item)
nps           likelihood to recommend, 0-10                           int
csat          satisfaction, 1-5                                       int
ces           customer effort, 1-7 (7 = very easy)                    int
single        one of the choices                                      str
multiple      any of the choices (at most ``max_choices``)            list[str]
text          free text (``max_length``)                              str
pair          expectation and perception of one item, one scale       {"e": int, "p": int}
zone          the adequate (lowest acceptable) and desired level      {"a": int, "d": int}
              of one dimension: the zone of tolerance
importance    100 points shared among the dimensions                  {dimension: int}
============  ======================================================  =====================

``show_if`` shows a question only when an earlier answer matches: ``{"question": "q1",
"op": "lte", "value": 6}``. A hidden question is not asked, not required and not stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

IMPORTANCE_TOTAL = 100
TEXT_MAX = 2000

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Dimension = Literal["tangibles", "reliability", "responsiveness", "assurance", "empathy"]
DIMENSIONS: tuple[Dimension, ...] = (
    "tangibles",
    "reliability",
    "responsiveness",
    "assurance",
    "empathy",
)
QuestionType = Literal[
    "scale", "nps", "csat", "ces", "single", "multiple", "text", "pair", "zone", "importance"
]
ScaleRole = Literal["rating", "overall", "expectation", "perception", "adequate", "desired"]
FIXED_SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
ITEM_TYPES = ("pair", "zone")  # always about one SERVQUAL dimension


class Text(BaseModel):
    """Wording in Simplified Chinese (required) and English."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    zh: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    en: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""

    def __str__(self) -> str:
        return self.en if (get_language() or "").startswith("en") and self.en else self.zh


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    value: Key
    label: Text


class Scale(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min: int = Field(1, ge=0, le=1)
    max: int = Field(7, ge=2, le=11)
    min_label: Text | None = None
    max_label: Text | None = None

    @property
    def points(self) -> range:
        return range(self.min, self.max + 1)


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    question: Key
    op: Literal["eq", "ne", "in", "not_in", "lte", "gte"]
    value: int | str | list[int | str]

    def holds(self, answer: Any) -> bool:
        """Whether the earlier answer (None if not given) shows the question."""
        if answer is None:
            return False
        values = self.value if isinstance(self.value, list) else [self.value]
        given = answer if isinstance(answer, list) else [answer]
        if self.op == "eq":
            return any(v == values[0] for v in given)
        if self.op == "ne":
            return all(v != values[0] for v in given)
        if self.op == "in":
            return any(v in values for v in given)
        if self.op == "not_in":
            return all(v not in values for v in given)
        numbers = [v for v in given if isinstance(v, int)]
        if not numbers or not isinstance(values[0], int):
            return False
        return numbers[0] <= values[0] if self.op == "lte" else numbers[0] >= values[0]


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    key: Key
    type: QuestionType
    text: Text
    # for "pair": the two wordings (the expectation of banks like this, the perception of ours)
    expectation_text: Text | None = None
    perception_text: Text | None = None
    help: Text | None = None
    required: bool = True
    role: ScaleRole = "rating"
    dimension: Dimension | None = None
    item: int | None = Field(None, ge=1, le=99)  # the SERVQUAL item number
    scale: Scale | None = None
    choices: tuple[Choice, ...] = ()
    max_choices: int | None = Field(None, ge=1)
    max_length: int = Field(TEXT_MAX, ge=1, le=TEXT_MAX)
    dimensions: tuple[Dimension, ...] = DIMENSIONS  # for "importance"
    show_if: Condition | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.type in ("scale", "pair", "zone") and self.scale is None:
            raise ValueError(f"{self.key}: a {self.type} question needs a scale")
        if self.type in ("single", "multiple"):
            if len(self.choices) < 2:
                raise ValueError(f"{self.key}: give at least two choices")
            if len({c.value for c in self.choices}) != len(self.choices):
                raise ValueError(f"{self.key}: choice values repeat")
        servqual_roles = ("expectation", "perception", "adequate", "desired")
        if (self.type in ITEM_TYPES or self.role in servqual_roles) and self.dimension is None:
            raise ValueError(f"{self.key}: a SERVQUAL question needs its dimension")
        if self.type == "pair" and self.item is None:
            raise ValueError(f"{self.key}: a pair is one numbered SERVQUAL item")
        if self.type == "pair" and (self.expectation_text is None or self.perception_text is None):
            raise ValueError(f"{self.key}: a pair needs the expectation and perception wording")
        if self.type == "importance" and len(set(self.dimensions)) < 2:
            raise ValueError(f"{self.key}: share the points among two dimensions or more")
        return self

    @property
    def bounds(self) -> tuple[int, int] | None:
        if self.type in FIXED_SCALES:
            return FIXED_SCALES[self.type]
        if self.scale is not None:
            return self.scale.min, self.scale.max
        return None


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    key: Key
    title: Text
    intro: Text | None = None
    questions: tuple[Question, ...] = Field(min_length=1)


class Definition(BaseModel):
    """A whole questionnaire, as stored in one survey version."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    title: Text
    intro: Text | None = None
    thanks: Text | None = None
    sections: tuple[Section, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _keys_and_conditions(self) -> Definition:
        seen: dict[str, Question] = {}
        for section in self.sections:
            for question in section.questions:
                if question.key in seen:
                    raise ValueError(f"question key {question.key} is used twice")
                condition = question.show_if
                if condition is not None and condition.question not in seen:
                    raise ValueError(f"{question.key}: show_if must refer to an earlier question")
                seen[question.key] = question
        if len({s.key for s in self.sections}) != len(self.sections):
            raise ValueError("section keys repeat")
        return self

    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions() if q.key == key), None)


def parse(document: Mapping[str, Any]) -> Definition:
    """The definition, validated (pydantic's ValidationError says what is wrong where)."""
    return Definition.model_validate(document)


# --- answers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerRow:
    """One stored value: a question may give several (a pair gives an expectation and a
    perception; an importance question one row per dimension)."""

    question_key: str
    role: str  # rating, overall, expectation, perception, adequate, desired, importance,
    # nps, csat, ces, choice, text
    dimension: str = ""
    item: int | None = None
    number: int | None = None
    choices: tuple[str, ...] = ()
    text: str = ""


class AnswerError(ValueError):
    """Answers that do not fit the questionnaire; ``errors`` maps question keys to reasons."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def visible(definition: Definition, answers: Mapping[str, Any]) -> list[Question]:
    """The questions asked, given the answers so far (conditions look at earlier answers)."""
    shown = []
    for question in definition.questions():
        condition = question.show_if
        if condition is None or condition.holds(answers.get(condition.question)):
            shown.append(question)
    return shown


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _in_range(question: Question, value: Any, bounds: tuple[int, int]) -> int:
    number = _whole(value)
    if number is None or not bounds[0] <= number <= bounds[1]:
        raise ValueError(
            _("Choose a whole number from %(low)d to %(high)d.") % {"low": bounds[0],
                                                                       "high": bounds[1]}
        )  # fmt: skip
    return number


def _rows(question: Question, value: Any) -> list[AnswerRow]:
    """The stored rows for one answer, or ValueError with the reason for the respondent."""
    key, dim, item = question.key, question.dimension or "", question.item
    if question.type in FIXED_SCALES:
        bounds = FIXED_SCALES[question.type]
        return [AnswerRow(key, question.type, dim, item, _in_range(question, value, bounds))]
    bounds = question.bounds or (0, 0)  # every rated type has bounds (checked on parsing)
    if question.type == "scale":
        number = _in_range(question, value, bounds)
        return [AnswerRow(key, question.role, dim, item, number)]
    if question.type == "single":
        allowed = {c.value for c in question.choices}
        if not isinstance(value, str) or value not in allowed:
            raise ValueError(_("Choose one of the options."))
        return [AnswerRow(key, "choice", dim, item, choices=(value,))]
    if question.type == "multiple":
        allowed = {c.value for c in question.choices}
        picked = value if isinstance(value, list | tuple) else [value]
        if not picked or any(not isinstance(v, str) or v not in allowed for v in picked):
            raise ValueError(_("Choose among the options."))
        if question.max_choices and len(set(picked)) > question.max_choices:
            raise ValueError(_("Choose at most %(n)d.") % {"n": question.max_choices})
        order = [c.value for c in question.choices if c.value in set(picked)]
        return [AnswerRow(key, "choice", dim, item, choices=tuple(order))]
    if question.type == "text":
        if not isinstance(value, str):
            raise ValueError(_("Write your answer as text."))
        if len(value) > question.max_length:
            raise ValueError(_("At most %(n)d characters.") % {"n": question.max_length})
        return [AnswerRow(key, "text", dim, item, text=value.strip())]
    if question.type in ITEM_TYPES:
        parts = {"pair": ("e", "p"), "zone": ("a", "d")}[question.type]
        if not isinstance(value, Mapping) or set(value) != set(parts):
            raise ValueError(_("Answer every part of the question."))
        numbers = {p: _in_range(question, value[p], bounds) for p in parts}
        if question.type == "zone" and numbers["a"] > numbers["d"]:
            raise ValueError(_("The adequate level cannot be above the desired level."))
        roles = {"e": "expectation", "p": "perception", "a": "adequate", "d": "desired"}
        return [AnswerRow(key, roles[p], dim, item, numbers[p]) for p in parts]
    # importance: 100 points shared among the dimensions
    if not isinstance(value, Mapping) or set(value) != set(question.dimensions):
        raise ValueError(_("Give points to every dimension (0 is allowed)."))
    points = {d: _whole(value[d]) for d in question.dimensions}
    if any(p is None or p < 0 for p in points.values()):
        raise ValueError(_("Points are whole numbers, 0 or more."))
    total = sum(p for p in points.values() if p is not None)
    if total != IMPORTANCE_TOTAL:
        raise ValueError(
            _("The points must add up to %(total)d; they add up to %(given)d.")
            % {"total": IMPORTANCE_TOTAL, "given": total}
        )
    return [AnswerRow(key, "importance", d, None, points[d]) for d in question.dimensions]


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str | list | tuple):
        return not (value.strip() if isinstance(value, str) else value)
    if isinstance(value, Mapping):
        return all(_blank(v) for v in value.values())
    return False


def check_answers(
    definition: Definition,
    answers: Mapping[str, Any],
    *,
    section: str | None = None,
    complete: bool = True,
) -> list[AnswerRow]:
    """The rows to store for ``answers`` (question key -> raw value), checked against the
    questionnaire. ``section`` limits the check to one page; ``complete`` requires every
    required question shown (a partial save does not). Raises :class:`AnswerError` listing
    every problem, so the respondent sees them all at once."""
    errors: dict[str, str] = {}
    rows: list[AnswerRow] = []
    known = {q.key for q in definition.questions()}
    for unknown in sorted(set(answers) - known):
        errors[unknown] = _("This question is not part of the survey.")
    sections = [s for s in definition.sections if section is None or s.key == section]
    shown = {q.key for q in visible(definition, answers)}
    for part in sections:
        for question in part.questions:
            value = answers.get(question.key)
            if question.key not in shown:
                continue  # not asked: not required, and not stored
            if _blank(value):
                if complete and question.required:
                    errors[question.key] = _("Please answer this question.")
                continue
            try:
                rows.extend(_rows(question, value))
            except ValueError as exc:
                errors[question.key] = str(exc)
    if errors:
        raise AnswerError(errors)
    return rows
