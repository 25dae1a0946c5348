"""The satisfaction figures read from rollups equal those computed from the answers: the
scores every way the dashboard groups them, Cronbach's alpha and the driver weights, in the
reader's scope, after a rebuild and after new answers."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from branchcx.rollups import engine
from branchcx.rollups.models import RollupState
from branchcx.rollups.reading import current
from branchcx.surveys import queries, rollups
from branchcx.surveys.models import DimensionTally, ResponseTally
from branchcx.surveys.tests.test_report_queries import (
    random_servqual,
    servqual_raw,
    submit,
    visit,
)

ZONE = timezone.get_default_timezone()
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZONE)


@pytest.fixture
def answered(org):
    """SERVQUAL and post-visit answers at two outlets of two branches over five months."""
    with time_machine.travel(NOW, tick=False):
        for n, (perceived, expected, overall) in enumerate(random_servqual(5, 40)):
            outlet = org.sh0101 if n % 4 else org.zj0101
            day = NOW.date() - timedelta(days=(n * 4) % 150)
            submit(
                "servqual", outlet, servqual_raw(perceived, expected, overall=overall),
                day=day, segment=("service", "price", "")[n % 3],
            )  # fmt: skip
        for n in range(30):
            outlet = org.sh0101 if n % 3 else org.zj0101
            visit(outlet, n % 11, 1 + n % 5, 1 + n % 7, day=NOW.date() - timedelta(days=n * 5))


def flat(value: Any, path: str = "") -> dict[str, Any]:
    """Every leaf of nested dataclasses, dicts and lists by its path."""
    if dataclasses.is_dataclass(value):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flat(item, f"{path}.{key}").items()}
    if isinstance(value, list | tuple):
        return {k: v for i, item in enumerate(value) for k, v in flat(item, f"{path}[{i}]").items()}
    return {path: value}


def assert_same(rolled: Any, direct: Any) -> None:
    """Equal but for the last bits of floating-point sums added in another order."""
    a, b = flat(rolled), flat(direct)
    assert a.keys() == b.keys()
    for key, value in b.items():
        if isinstance(value, float):
            assert a[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key
        else:
            assert a[key] == value, key


def rolled_dashboard(user) -> dict[str, list[queries.GroupScores]]:
    state = RollupState.objects.get(name=rollups.NAME)
    headline = current(ResponseTally, state).visible_to(user)
    dimensions = current(DimensionTally, state).visible_to(user)
    columns = queries.GRAIN
    found = rollups.headline_rows(headline, columns), rollups.dimension_rows(dimensions, columns)
    return {by: queries._roll_up(by, *found) for by in ("network", "outlet", "month", "tier",
                                                         "segment")}  # fmt: skip


def direct_dashboard(user) -> dict[str, list[queries.GroupScores]]:
    found = queries._counted(queries.Selection(user), queries.GRAIN)
    return {by: queries._roll_up(by, *found) for by in ("network", "outlet", "month", "tier",
                                                         "segment")}  # fmt: skip


def test_scores_from_the_rollup_equal_the_answers_in_every_scope(org, answered):
    with time_machine.travel(NOW, tick=False):
        engine.rebuild(rollups.ROLLUP)
        for user in (org.head_office, org.manager_a, org.manager_b):
            assert_same(rolled_dashboard(user), direct_dashboard(user))
        assert (
            rolled_dashboard(org.manager_b)["network"][0].n
            == direct_dashboard(org.manager_b)["network"][0].n
            > 0
        )


def test_new_answers_reach_the_rollup_at_the_next_update(org, answered):
    with time_machine.travel(NOW, tick=False):
        engine.rebuild(rollups.ROLLUP)
    later = NOW + timedelta(hours=3)
    with time_machine.travel(later, tick=False):
        visit(org.sh0101, 10, 5, 1, day=later.date())
        visit(org.zj0101, 0, 1, 7, day=later.date())
        engine.update(rollups.ROLLUP)
        assert_same(rolled_dashboard(org.head_office), direct_dashboard(org.head_office))


def test_alpha_moments_from_the_rollup_leave_out_who_skipped_an_item(org, answered):
    from branchcx.surveys.models import Answer, Response, ScaleMoments

    first = Response.objects.filter(survey__code="servqual").order_by("pk").first()
    Answer.objects.filter(response=first, question_key="p02").delete()
    with time_machine.travel(NOW, tick=False):
        engine.rebuild(rollups.ROLLUP)
    state = RollupState.objects.get(name=rollups.NAME)
    items, totals = rollups.alpha_moments(rollups.scale_rows(current(ScaleMoments, state)))
    tangibles = items[("perception", "tangibles")]
    everyone = Response.objects.filter(survey__code="servqual").count()
    assert sorted(tangibles) == [1, 2, 3, 4]
    assert [m[0] for m in tangibles.values()] == [everyone - 1] * 4  # complete respondents
    assert totals[("perception", "tangibles")][3][0] == 1  # the one who answered three items
    assert totals[("perception", "empathy")][5][0] == everyone


def test_a_rollup_never_built_reads_as_missing_not_as_zero(org, answered):
    from branchcx.rollups.reading import freshness, states

    shown = freshness([states([rollups.NAME]).get(rollups.NAME)])
    assert shown.missing and shown.as_of is None
    assert not current(ResponseTally, None).exists()


def counted_now(selection):
    """The same selection read entirely from the answers."""
    from branchcx.rollups.reading import Freshness

    return queries.Reading(selection, None, [], [selection], Freshness(None))


@pytest.mark.parametrize("start_day", [1, 17])  # whole months only; partial first month
def test_every_dashboard_figure_from_the_rollup_equals_the_answers(org, answered, start_day):
    with time_machine.travel(NOW, tick=False):
        engine.rebuild(rollups.ROLLUP)
        for user in (org.head_office, org.manager_b):
            selection = queries.Selection(
                user, start=NOW.date().replace(month=7, day=start_day), end=NOW.date()
            )
            reading = queries.read(selection)
            assert reading.months and bool(reading.live) == (start_day != 1)
            assert reading.freshness.partly_live == (start_day != 1)
            direct = counted_now(selection)
            board, expected = (
                queries.dashboard(selection, reading),
                queries.dashboard(selection, direct),
            )
            assert_same(dataclasses.replace(board, freshness=None),
                        dataclasses.replace(expected, freshness=None))  # fmt: skip
            assert board.network.n > 0
            assert_same(queries.reliability(selection, reading),
                        queries.reliability(selection, direct))  # fmt: skip
            for by in ("segment", "outlet"):
                for outcome in ("overall", "csat", "nps"):
                    assert_same(
                        queries.driver_analysis(selection, by=by, outcome=outcome, reading=reading),
                        queries.driver_analysis(selection, by=by, outcome=outcome, reading=direct),
                    )


def test_the_dashboard_page_reads_the_rollup_and_says_as_of_when(client, org, answered):
    from branchcx.surveys.models import Response

    with time_machine.travel(NOW, tick=False):
        engine.rebuild(rollups.ROLLUP)
        # an answer submitted after the update is in the figures from the next update on
        # (the current month is read from the rollup too, up to its last update)
        before = Response.objects.filter(status="submitted").count()
        visit(org.sh0101, 10, 5, 1, day=NOW.date())
        client.force_login(org.head_office)
        start = (NOW.date() - timedelta(days=100)).replace(day=1)
        query = {"start": start.isoformat(), "end": NOW.date().isoformat()}
        page = client.get("/surveys/reports/", query)
        assert page.status_code == 200
        shown = page.context["network"].n
        selection = queries.Selection(org.head_office, start=start, end=NOW.date())
        assert shown == queries.dashboard(selection, counted_now(selection)).network.n - 1
        assert page.context["freshness"].as_of == NOW
        assert 'id="rollup-freshness"' in page.content.decode()
        engine.update(rollups.ROLLUP)
        assert client.get("/surveys/reports/", query).context["network"].n == shown + 1
        assert Response.objects.filter(status="submitted").count() == before + 1


def test_before_the_first_build_every_figure_is_counted_from_the_answers(client, org, answered):
    with time_machine.travel(NOW, tick=False):
        client.force_login(org.head_office)
        page = client.get("/surveys/reports/")
        assert page.status_code == 200
        assert page.context["freshness"].live
        assert page.context["network"].n > 0
        api = client.get("/api/v1/surveys/scores", {"by": "outlet"})
        assert api.status_code == 200 and api.json()["counted_now"] is True
        assert api.json()["as_of"] is None


# --- rebuilds and failures while users work ------------------------------------------------


def _network_n(client) -> int:
    page = client.get("/surveys/reports/")
    assert page.status_code == 200
    return page.context["network"].n


def test_a_rebuild_while_users_answer_neither_holds_them_up_nor_shows_half_built_numbers(
    client, org, answered
):
    from django.db import connection

    client.force_login(org.head_office)
    with time_machine.travel(NOW, tick=False):
        engine.rebuild(rollups.ROLLUP)
        before = _network_n(client)
        outside = len(connection.atomic_blocks)  # the test's own transaction
        seen: list[int] = []

        def compute(month, unit_ids, now):
            # no transaction of the rebuild's is open while it reads: answers go on
            assert len(connection.atomic_blocks) == outside
            if not seen and month == (NOW.date() - timedelta(days=60)).replace(day=1):
                visit(org.sh0101, 10, 5, 1, day=NOW.date() - timedelta(days=1))
                seen.append(_network_n(client))
            return rollups.compute(month, unit_ids, now)

        engine.rebuild(dataclasses.replace(rollups.ROLLUP, compute=compute))
        # readers stayed on the whole old generation while the new one was half written
        assert seen == [before]
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        engine.update(rollups.ROLLUP)
        assert _network_n(client) == before + 1


def test_an_update_that_fails_is_retried_and_the_page_says_so_meanwhile(client, org, answered):
    client.force_login(org.head_office)
    client.cookies["django_language"] = "en"
    with time_machine.travel(NOW, tick=False):
        engine.rebuild(rollups.ROLLUP)
        before = _network_n(client)
    later = NOW + timedelta(minutes=3)
    with time_machine.travel(later, tick=False):
        # answers in two months (the older one's cell marked, as a late correction would):
        # the update writes one month, then fails
        visit(org.sh0101, 10, 5, 1, day=NOW.date())
        visit(org.zj0101, 9, 4, 2, day=NOW.date() - timedelta(days=35))
        engine.mark(rollups.NAME, [(org.zj0101.pk, NOW - timedelta(days=35))])
        calls: list[int] = []

        def compute(*args, **kwargs):
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("database went away")
            return rollups.compute(*args, **kwargs)

        with pytest.raises(RuntimeError):
            engine.update(dataclasses.replace(rollups.ROLLUP, compute=compute))
        page = client.get("/surveys/reports/")
        assert page.context["freshness"].stale
        assert "Updating the figures has failed since 2026-11-20 10:03" in page.content.decode()
        assert page.context["network"].n in (before, before + 1)  # one month may be updated
    retry = later + timedelta(minutes=2)
    with time_machine.travel(retry, tick=False):
        engine.update(rollups.ROLLUP)
        page = client.get("/surveys/reports/")
        assert page.context["network"].n == before + 2
        assert not page.context["freshness"].stale
        assert "has failed" not in page.content.decode()
