"""The reports' database statistics (alpha from grouped moments, driver weights from grouped
cross-products, the expectation views) equal the plain functions on the same answers.

The helpers at the top write submitted answers the way the demo does: the raw answers checked
against the shipped questionnaire, then the response, its answers and its dimension rows in
bulk (answering itself is tested in test_answering). The page tests import them."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest
from django.utils import timezone, translation

from branchcx.lib.statistics.importance import relative_importance
from branchcx.lib.statistics.reliability import cronbach_alpha
from branchcx.surveys import queries
from branchcx.surveys.actions import dimension_rows, do_record_beliefs, headline
from branchcx.surveys.definition import DIMENSIONS, check_answers
from branchcx.surveys.models import Answer, DimensionScore, Response, Survey

# the shipped SERVQUAL questionnaire's items per dimension (items 1-22)
ITEMS = {"tangibles": range(1, 5), "reliability": range(5, 10), "responsiveness": range(10, 14),
         "assurance": range(14, 18), "empathy": range(18, 23)}  # fmt: skip
POINTS = {"tangibles": 10, "reliability": 30, "responsiveness": 25, "assurance": 20,
          "empathy": 15}  # fmt: skip


def submit(
    code: str, outlet: Any, raw: dict[str, Any], *, day: date | None = None, segment: str = ""
) -> Response:
    survey = Survey.objects.get(code=code)
    version = survey.current()
    assert version is not None
    rows = check_answers(version.parsed(), raw)
    found = headline((a.role, a.number) for a in rows)
    day = day or timezone.localdate()
    response = Response.objects.create(
        survey=survey, survey_version=version, outlet=outlet, status="submitted",
        source="lobby_qr", is_anonymous=True, submitted_on=day, month=day.replace(day=1),
        segment=segment, nps=found.get("nps"), csat=found.get("csat"), ces=found.get("ces"),
        overall=found.get("overall"),
    )  # fmt: skip
    Answer.objects.bulk_create(
        Answer(response=response, question_key=a.question_key, role=a.role,
               dimension=a.dimension, item=a.item, number=a.number, choices=list(a.choices),
               text=a.text)
        for a in rows
    )  # fmt: skip
    DimensionScore.objects.bulk_create(
        dimension_rows(response, [(a.role, a.dimension, a.item, a.number) for a in rows])
    )
    return response


def visit(outlet: Any, nps: int, csat: int, ces: int, **kwargs: Any) -> Response:
    raw: dict[str, Any] = {"csat": csat, "ces": ces, "wait": "under_5", "nps": nps}
    if csat <= 3:
        raw["reason"] = ["waiting"]
    return submit("post-visit", outlet, raw, **kwargs)


def servqual_raw(
    perceived: dict[int, int],
    expected: dict[int, int],
    *,
    overall: int,
    nps: int = 8,
    csat: int = 4,
    zone: tuple[int, int] = (4, 6),
) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for item in range(1, 23):
        raw[f"e{item:02d}"], raw[f"p{item:02d}"] = expected[item], perceived[item]
    for dimension in DIMENSIONS:
        raw[f"z_{dimension}"] = {"a": zone[0], "d": zone[1]}
    return raw | {"importance": POINTS, "overall": overall, "nps": nps, "csat": csat}


def random_servqual(seed: int, count: int) -> list[tuple[dict[int, int], dict[int, int], int]]:
    """``count`` answers with a respondent-level level per dimension (so the items of a
    dimension agree, as real answers do) and an overall rating that follows responsiveness
    most, then reliability."""
    rng = np.random.default_rng(seed)
    answers = []
    for _n in range(count):
        perceived, expected, levels = {}, {}, {}
        for dimension, items in ITEMS.items():
            level = rng.normal(5 - (1.2 if dimension == "responsiveness" else 0.3), 0.9)
            levels[dimension] = level
            for item in items:
                perceived[item] = int(np.clip(round(level + rng.normal(0, 0.6)), 1, 7))
                expected[item] = int(np.clip(round(rng.normal(6, 0.6)), 1, 7))
        overall = int(
            np.clip(
                round(
                    1
                    + 0.5 * levels["responsiveness"]
                    + 0.3 * levels["reliability"]
                    + rng.normal(0, 0.5)
                ),
                1,
                7,
            )
        )
        answers.append((perceived, expected, overall))
    return answers


# --- the statistics ---------------------------------------------------------------------------

SEGMENTS = ["service"] * 52 + ["price"] * 8


@pytest.fixture
def servqual(org):
    """60 SERVQUAL answers at SH0101 (52 service-driven, 8 price-driven) and 3 at ZJ0101."""
    answers = random_servqual(11, 63)
    for n, (perceived, expected, overall) in enumerate(answers):
        outlet, segment = (org.sh0101, SEGMENTS[n]) if n < 60 else (org.zj0101, "service")
        submit("servqual", outlet, servqual_raw(perceived, expected, overall=overall),
               segment=segment)  # fmt: skip
    return answers


def item_matrix(answers, side, dimension):
    column = 0 if side == "perception" else 1
    return np.array([[a[column][i] for i in ITEMS[dimension]] for a in answers], dtype=float)


def test_alpha_per_dimension_equals_alpha_of_the_answers(org, servqual):
    found = {
        (s.role, s.dimension): s for s in queries.reliability(queries.Selection(org.head_office))
    }
    assert len(found) == 10
    for (side, dimension), scale in found.items():
        expected = cronbach_alpha(item_matrix(servqual, side, dimension))
        assert scale.items == len(ITEMS[dimension]) and (scale.n, scale.dropped) == (63, 0)
        assert scale.result is not None
        assert abs(scale.result.alpha - expected.alpha) < 1e-9
        assert abs(scale.result.low - expected.low) < 1e-9
        assert abs(scale.result.high - expected.high) < 1e-9
        assert scale.flagged == (expected.alpha < 0.7)
    # the items of a dimension agree (a respondent-level level): perceptions are reliable,
    # the independent expectations are flagged
    assert not found[("perception", "responsiveness")].flagged
    assert found[("expectation", "responsiveness")].flagged


def test_alpha_leaves_out_a_respondent_who_skipped_an_item_and_stays_in_scope(org, servqual):
    # given: one respondent at SH0101 has no answer to p02 (a tangibles item)
    first = Response.objects.filter(outlet=org.sh0101).order_by("pk").first()
    Answer.objects.filter(response=first, question_key="p02").delete()
    # when: the branch manager of SH01 looks
    found = {
        (s.role, s.dimension): s for s in queries.reliability(queries.Selection(org.manager_a))
    }
    # then: only SH0101's 60, less the incomplete one for tangibles perceptions
    tangibles = found[("perception", "tangibles")]
    assert (tangibles.n, tangibles.dropped) == (59, 1)
    expected = cronbach_alpha(item_matrix(servqual[1:60], "perception", "tangibles"))
    assert abs(tangibles.result.alpha - expected.alpha) < 1e-9
    assert found[("perception", "empathy")].n == 60


def dimension_means(answers):
    return np.array([[np.mean([a[0][i] for i in ITEMS[d]]) for d in DIMENSIONS] for a in answers])


def test_driver_weights_from_the_database_equal_the_raw_decomposition(org, servqual):
    with translation.override("en"):  # the reasons are worded in the reader's language
        analysis = queries.driver_analysis(queries.Selection(org.head_office), by="segment")
    expected = relative_importance(
        dimension_means(servqual), [a[2] for a in servqual], list(DIMENSIONS)
    )
    network = analysis.network.result
    assert analysis.network.n == 63 and network is not None
    assert abs(network.r_squared - expected.r_squared) < 1e-9
    for name in DIMENSIONS:
        assert abs(network.weight(name) - expected.weight(name)) < 1e-9
    assert network.ranked()[0].name == "responsiveness"
    # per segment: 55 service-driven answers are enough, 8 price-driven ones are not
    groups = {g.key: g for g in analysis.groups}
    assert groups["service"].n == 55 and groups["service"].result is not None
    service = [a for n, a in enumerate(servqual) if n >= 60 or SEGMENTS[n] == "service"]
    expected_service = relative_importance(
        dimension_means(service), [a[2] for a in service], list(DIMENSIONS)
    )
    assert groups["service"].result.weight("reliability") == pytest.approx(
        expected_service.weight("reliability"), abs=1e-9
    )
    assert groups["price"].result is None and groups["price"].n == 8
    assert "at least 50" in groups["price"].problem


def test_driver_weights_per_outlet_and_another_outcome(org, servqual):
    with translation.override("en"):
        analysis = queries.driver_analysis(
            queries.Selection(org.head_office), by="outlet", outcome="nps"
        )
    groups = {g.label: g for g in analysis.groups}
    assert groups[org.sh0101.name].n == 60 and groups[org.zj0101.name].result is None
    # every answer gave 8: the outcome does not vary, which is said rather than computed
    assert groups[org.sh0101.name].result is None
    assert "every answer gave the same rating" in groups[org.sh0101.name].problem


def test_expectation_report_gaps_zone_and_knowledge_gap(org):
    # given: at SH0101 two answers with every expectation 6, perceptions 4 and 5 on
    # responsiveness (adequate 5: below it) and 6 elsewhere; at ZJ0101 one answer, all 6
    low = {i: (4 if i in ITEMS["responsiveness"] else 6) for i in range(1, 23)}
    mid = {i: (5 if i in ITEMS["responsiveness"] else 6) for i in range(1, 23)}
    six = dict.fromkeys(range(1, 23), 6)
    submit("servqual", org.sh0101, servqual_raw(low, six, overall=4, zone=(5, 7)))
    submit("servqual", org.sh0101, servqual_raw(mid, six, overall=5, zone=(5, 7)))
    submit("servqual", org.zj0101, servqual_raw(six, six, overall=6, zone=(5, 7)))
    quarter = timezone.localdate().replace(month=(timezone.localdate().month - 1) // 3 * 3 + 1,
                                           day=1)  # fmt: skip
    levels = dict.fromkeys(DIMENSIONS, 5.0) | {"responsiveness": 6.5}
    do_record_beliefs(org.manager_a, unit=org.sh01, quarter=quarter, expectations=levels)
    # when
    report = queries.expectation_report(queries.Selection(org.head_office), every="month")
    # then: gaps per outlet, responsiveness below adequate at SH0101 only
    outlets = {o.label: o for o in report.outlets}
    assert outlets[org.sh0101.name].dimensions["responsiveness"].gap == pytest.approx(-1.5)
    assert outlets[org.zj0101.name].dimensions["responsiveness"].gap == 0
    ((row),) = report.below_adequate
    assert (row.outlet.label, row.dimension.dimension) == (org.sh0101.name, "responsiveness")
    assert row.dimension.adequacy == pytest.approx(-0.5)
    assert row.dimension.superiority == pytest.approx(-2.5)
    (month,) = report.periods
    assert month.dimensions["responsiveness"].expectation == 6
    assert month.dimensions["responsiveness"].perception == pytest.approx(5.0)
    # the branch's belief against its outlet's customers (not ZJ0101's)
    gaps = {k.belief.dimension: k for k in report.knowledge}
    assert gaps["responsiveness"].n == 2 and gaps["responsiveness"].difference == 0.5
    assert gaps["tangibles"].difference == -1.0 and gaps["tangibles"].is_small_sample
    # a manager of the other branch sees neither the belief nor SH0101
    theirs = queries.expectation_report(queries.Selection(org.manager_b))
    assert theirs.knowledge == [] and [o.label for o in theirs.outlets] == [org.zj0101.name]
