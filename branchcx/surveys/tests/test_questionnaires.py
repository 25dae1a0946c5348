"""The shipped questionnaires (SERVQUAL, after a visit, after a complaint) are valid definitions
with the structure the scores rely on, and their conditions and answer checks behave.

Pure: the JSON files are read and checked in memory; no database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from branchcx.surveys.definition import (
    DIMENSIONS,
    AnswerError,
    AnswerRow,
    Definition,
    Text,
    check_answers,
    parse,
    visible,
)

QUESTIONNAIRES = Path(__file__).resolve().parent.parent / "questionnaires"
NAMES = ("servqual", "post_visit", "post_complaint")

# SERVQUAL's items per dimension (Parasuraman, Zeithaml & Berry 1988; 1991 revision)
ITEMS = {
    "tangibles": range(1, 5),
    "reliability": range(5, 10),
    "responsiveness": range(10, 14),
    "assurance": range(14, 18),
    "empathy": range(18, 23),
}


def load(name: str) -> Definition:
    with (QUESTIONNAIRES / f"{name}.json").open(encoding="utf-8") as handle:
        return parse(json.load(handle))


def texts(node: object) -> Iterator[tuple[str, Text]]:
    """Every bilingual wording in a definition, with where it is."""
    if isinstance(node, Text):
        yield "", node
    elif isinstance(node, BaseModel):
        for field in type(node).model_fields:
            for where, text in texts(getattr(node, field)):
                yield f"{field}.{where}".rstrip("."), text
    elif isinstance(node, tuple | list):
        for index, child in enumerate(node):
            key = getattr(child, "key", None) or getattr(child, "value", None) or index
            for where, text in texts(child):
                yield f"[{key}].{where}".rstrip("."), text


# --- every questionnaire ----------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_questionnaire_parses_and_is_worded_in_chinese_and_english(name):
    definition = load(name)
    found = list(texts(definition))
    assert found
    missing = [where for where, text in found if not text.zh.strip() or not text.en.strip()]
    assert missing == []
    for question in definition.questions():
        assert question.text.zh and question.text.en, question.key


@pytest.mark.parametrize("name", NAMES)
def test_questionnaire_has_title_intro_and_thanks(name):
    definition = load(name)
    assert definition.title.zh and definition.title.en
    assert definition.intro is not None
    assert definition.thanks is not None


# --- SERVQUAL ---------------------------------------------------------------------------------


def by_role(definition: Definition, role: str) -> list:
    return [q for q in definition.questions() if q.type == "scale" and q.role == role]


def test_servqual_has_twenty_two_expectation_and_perception_items_in_order():
    definition = load("servqual")
    expectations = by_role(definition, "expectation")
    perceptions = by_role(definition, "perception")
    assert [q.key for q in expectations] == [f"e{n:02d}" for n in range(1, 23)]
    assert [q.key for q in perceptions] == [f"p{n:02d}" for n in range(1, 23)]
    assert [q.item for q in expectations] == list(range(1, 23))
    assert [q.item for q in perceptions] == list(range(1, 23))
    sections = {s.key: [q.key for q in s.questions] for s in definition.sections}
    assert sections["expectations"] == [q.key for q in expectations]
    assert sections["perceptions"] == [q.key for q in perceptions]


@pytest.mark.parametrize("role", ["expectation", "perception"])
def test_servqual_items_belong_to_their_published_dimensions(role):
    questions = by_role(load("servqual"), role)
    mapping = {d: [q.item for q in questions if q.dimension == d] for d in DIMENSIONS}
    assert mapping == {d: list(items) for d, items in ITEMS.items()}


def test_servqual_items_use_the_seven_point_agreement_scale():
    definition = load("servqual")
    for question in by_role(definition, "expectation") + by_role(definition, "perception"):
        scale = question.scale
        assert scale is not None
        assert (scale.min, scale.max) == (1, 7), question.key
        assert scale.min_label == Text(zh="非常不同意", en="Strongly disagree")
        assert scale.max_label == Text(zh="非常同意", en="Strongly agree")


def test_servqual_expectation_and_perception_of_an_item_match():
    definition = load("servqual")
    for n in range(1, 23):
        expectation = definition.question(f"e{n:02d}")
        perception = definition.question(f"p{n:02d}")
        assert expectation is not None and perception is not None
        assert (expectation.dimension, expectation.item) == (perception.dimension, perception.item)
        assert "优秀的银行" in expectation.text.zh
        assert "excellent bank" in expectation.text.en.lower()
        assert "本网点" in perception.text.zh or "本行" in perception.text.zh
        assert expectation.text.en != perception.text.en
    e01, p01 = definition.question("e01"), definition.question("p01")
    assert e01 is not None and p01 is not None
    assert (e01.dimension, e01.item) == (p01.dimension, p01.item) == ("tangibles", 1)


def test_servqual_tolerance_zones_importance_and_overall():
    definition = load("servqual")
    sections = {s.key: s for s in definition.sections}
    assert list(sections) == ["expectations", "perceptions", "tolerance", "importance", "overall"]

    zones = sections["tolerance"].questions
    assert [q.key for q in zones] == [f"z_{d}" for d in DIMENSIONS]
    for zone in zones:
        assert zone.type == "zone"
        assert zone.dimension == zone.key.removeprefix("z_")
        assert zone.item is None
        assert zone.bounds == (1, 7)

    (importance,) = sections["importance"].questions
    assert (importance.key, importance.type) == ("importance", "importance")
    assert set(importance.dimensions) == set(DIMENSIONS)
    assert "100" in importance.text.zh and "100" in importance.text.en

    overall, csat, nps, comment = sections["overall"].questions
    # CSAT is asked too, so that it can be the outcome of the driver analysis
    assert (csat.key, csat.type, csat.bounds) == ("csat", "csat", (1, 5))
    assert (overall.key, overall.type, overall.role, overall.bounds) == (
        "overall",
        "scale",
        "overall",
        (1, 7),
    )
    assert (nps.key, nps.type, nps.bounds) == ("nps", "nps", (0, 10))
    assert (comment.key, comment.type, comment.required) == ("comment", "text", False)
    assert comment.max_length == 1000


def test_servqual_complete_answers_give_one_row_per_part():
    definition = load("servqual")
    answers: dict[str, object] = {f"e{n:02d}": 6 for n in range(1, 23)}
    answers |= {f"p{n:02d}": 5 for n in range(1, 23)}
    answers |= {f"z_{d}": {"a": 4, "d": 6} for d in DIMENSIONS}
    answers["importance"] = {
        "tangibles": 10,
        "reliability": 30,
        "responsiveness": 20,
        "assurance": 20,
        "empathy": 20,
    }
    answers |= {"overall": 6, "csat": 4, "nps": 8}
    rows = check_answers(definition, answers)
    assert len(rows) == 22 + 22 + 2 * 5 + 5 + 3  # no row for the blank optional comment
    assert AnswerRow("e05", "expectation", "reliability", 5, 6) in rows
    assert AnswerRow("z_empathy", "desired", "empathy", None, 6) in rows

    answers["importance"] = dict.fromkeys(DIMENSIONS, 10)
    with pytest.raises(AnswerError) as raised:
        check_answers(definition, answers)
    assert set(raised.value.errors) == {"importance"}


# --- after a visit ----------------------------------------------------------------------------


def test_post_visit_asks_csat_ces_and_nps():
    definition = load("post_visit")
    types = {q.key: q.type for q in definition.questions()}
    assert types["csat"] == "csat"
    assert types["ces"] == "ces"
    assert types["nps"] == "nps"
    assert types["wait"] == "single"
    assert types["reason"] == "multiple"
    assert types["comment"] == "text"
    comment = definition.question("comment")
    assert comment is not None and not comment.required


def test_post_visit_asks_what_disappointed_only_the_unsatisfied():
    definition = load("post_visit")

    def shown(answers: dict[str, object]) -> list[str]:
        return [q.key for q in visible(definition, answers)]

    assert "reason" not in shown({"csat": 5})
    assert "reason" not in shown({"csat": 4})
    assert "reason" in shown({"csat": 3})
    assert "reason" in shown({"csat": 2})
    assert "reason" not in shown({})  # not asked before csat is answered


def test_post_visit_complete_answers_give_the_expected_rows():
    definition = load("post_visit")
    answers = {
        "csat": 2,
        "ces": 3,
        "wait": "from_15_to_30",
        "nps": 4,
        "reason": ["other", "waiting"],
        "comment": "  排队太久了。 ",
    }
    rows = check_answers(definition, answers)
    assert rows == [
        AnswerRow("csat", "csat", number=2),
        AnswerRow("ces", "ces", number=3),
        AnswerRow("wait", "choice", choices=("from_15_to_30",)),
        AnswerRow("nps", "nps", number=4),
        AnswerRow("reason", "choice", choices=("waiting", "other")),  # in the listed order
        AnswerRow("comment", "text", text="排队太久了。"),
    ]


def test_post_visit_hidden_reason_is_not_stored_and_comment_is_optional():
    definition = load("post_visit")
    rows = check_answers(
        definition,
        {"csat": 5, "ces": 7, "wait": "under_5", "nps": 10, "reason": ["waiting"]},
    )
    assert [row.question_key for row in rows] == ["csat", "ces", "wait", "nps"]


def test_post_visit_limits_reasons_to_three():
    definition = load("post_visit")
    answers = {
        "csat": 1,
        "ces": 1,
        "wait": "over_30",
        "nps": 0,
        "reason": ["waiting", "attitude", "knowledge", "facilities"],
    }
    with pytest.raises(AnswerError) as raised:
        check_answers(definition, answers)
    assert set(raised.value.errors) == {"reason"}


def test_post_visit_out_of_range_csat_is_refused_by_name():
    definition = load("post_visit")
    answers = {"csat": 6, "ces": 5, "wait": "under_5", "nps": 9}
    with pytest.raises(AnswerError) as raised:
        check_answers(definition, answers)
    assert set(raised.value.errors) == {"csat"}
    assert "csat" in str(raised.value)


# --- after a complaint ------------------------------------------------------------------------


def test_post_complaint_questions_and_conditional_comment():
    definition = load("post_complaint")
    keys = [q.key for q in definition.questions()]
    assert len(keys) == len(set(keys))
    assert {"resolved", "csat", "ces", "fair", "nps", "comment"} <= set(keys)

    resolved = definition.question("resolved")
    assert resolved is not None and resolved.type == "single"
    assert [c.value for c in resolved.choices] == ["fully", "partly", "not"]
    fair = definition.question("fair")
    assert fair is not None
    assert (fair.type, fair.role, fair.bounds) == ("scale", "rating", (1, 5))

    def shown(answers: dict[str, object]) -> list[str]:
        return [q.key for q in visible(definition, answers)]

    assert "comment" not in shown({"resolved": "fully"})
    assert "comment" in shown({"resolved": "partly"})
    assert "comment" in shown({"resolved": "not"})

    rows = check_answers(
        definition,
        {"resolved": "fully", "csat": 5, "ces": 6, "fair": 5, "nps": 9, "comment": "ignored"},
    )
    assert "comment" not in {row.question_key for row in rows}


@pytest.mark.django_db
def test_an_installed_servqual_without_csat_gets_a_published_version_asking_it():
    import importlib

    from django.apps import apps

    from branchcx.surveys.models import Survey

    migration = importlib.import_module("branchcx.surveys.migrations.0007_servqual_asks_csat")
    survey = Survey.objects.get(code="servqual")
    old = survey.current()
    without = json.loads(json.dumps(old.definition))
    for section in without["sections"]:
        section["questions"] = [q for q in section["questions"] if q["key"] != "csat"]
    old.definition = without
    old.save()
    assert "csat" not in {q.key for q in survey.current().parsed().questions()}

    migration.ask_csat(apps, None)

    current = survey.current()
    assert current.number == old.number + 1 and current.published_at is not None
    keys = [q.key for q in current.parsed().questions()]
    assert keys[keys.index("overall") + 1] == "csat"
    migration.ask_csat(apps, None)  # once only
    assert survey.versions.count() == old.number + 1
