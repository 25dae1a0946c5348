"""The complaint statistics read from rollups equal the statistics computed from the
complaints themselves — after a rebuild, after late changes (a reopened complaint, a merged
one, a new decision) and after deadlines pass with nothing else changing."""

from __future__ import annotations

import dataclasses
import io
import random
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from branchcx.complaints import access, rollups, stats
from branchcx.complaints.actions import (
    do_merge,
    do_record_revisit,
    do_register_complaint,
    do_transition,
)
from branchcx.complaints.models import Complaint, Revisit
from branchcx.complaints.stats import figures
from branchcx.complaints.tests.test_workflow import advance, code, register
from branchcx.complaints.tests.test_workflow import customer as customer  # a fixture
from branchcx.complaints.tests.test_workflow import english as english  # a fixture
from branchcx.org.models import Branch
from branchcx.rollups import engine
from branchcx.rollups.models import RollupState
from branchcx.rollups.reading import freshness

ZONE = timezone.get_default_timezone()
START = datetime(2026, 11, 20, 10, 0, tzinfo=ZONE)
PATHS = [
    (),
    ("accepted",),
    ("accepted", "investigating"),
    ("accepted", "investigating", "decided"),
    ("accepted", "investigating", "decided", "notified"),
    ("accepted", "investigating", "decided", "notified", "closed"),
    ("withdrawn",),
]


@pytest.fixture
def generated(org, customer):
    """Complaints at two outlets of two branches over the last fourteen months, in every
    state of the main path, classified on every axis or on none."""
    rng = random.Random(7)
    made = []
    with time_machine.travel(START, tick=False):
        for i in range(36):
            outlet, staff = (org.sh0101, org.teller_a) if i % 3 else (org.zj0101, org.teller_b)
            received = START - timedelta(days=rng.randrange(0, 420), hours=rng.randrange(24))
            values = {
                "outlet": outlet,
                "intake_channel": "counter",
                "narrative": f"第{i}号投诉：手续费不合理。",
                "complainant_name": f"客户{i}",
                "complainant_phone": f"1380000{i:04d}",
                "received_at": received,
                "business": code("business", rng.choice(["01", "05", "07"])),
                "cause": code("cause", rng.choice(["01", "07", "10"])) if i % 5 else None,
                "channel": code("channel", rng.choice(["01", "04"])) if i % 4 else None,
            }
            if i % 7 == 0:
                values["major_reason"] = "disaster"
            complaint = do_register_complaint(staff, **values)
            path = rng.choice(PATHS)
            if outlet != org.sh0101:
                pass  # branch B's stay registered
            elif path == ("withdrawn",):
                complaint = do_transition(
                    org.manager_a, complaint, "withdrawn", expected_version=complaint.version,
                    reason="客户撤回。",
                )  # fmt: skip
            else:
                complaint = advance(org, complaint, *path)
            made.append(complaint)
    return made


def whole_figures(user, start: date, end: date, now: datetime) -> dict[str, object]:
    complaints = access.complaints_for_user(user)
    reading = rollups.read(complaints, lambda rows: rows.visible_to(user), start, end, now=now)
    return {
        "volume": figures.volume(reading.of(rollups.COUNTS), start, end),
        "heat": figures.heatmap(reading.of(rollups.TALLY)).counts,
        "heat_counts": figures.heatmap(reading.of(rollups.COUNTS)).counts,
        "times": figures.time_to_decision(reading.of(rollups.TIMES)),
        "levels": figures.service_levels(reading.of(rollups.LEVELS)),
        "causes": figures.root_causes(reading.of(rollups.ROOT_CAUSES)),
        "regulator": figures.regulator_counts(reading.of(rollups.TALLY), start, end).cube(),
        "business": figures.counts_by(reading.of(rollups.TALLY), "business"),
        "outlet": figures.counts_by(
            reading.of(rollups.TALLY), "outlet", figures.outlet_codes(Branch.objects.all())
        ),
    }


def row_figures(user, start: date, end: date, now: datetime) -> dict[str, object]:
    complaints = access.complaints_for_user(user)
    narrowed = stats.in_period(complaints, start, end)
    today = timezone.localtime(now).date()
    heat = stats.heatmap(narrowed).counts
    return {
        "volume": stats.volume_by_month(narrowed, start, end),
        "heat": heat,
        "heat_counts": heat,
        "times": stats.time_to_decision(narrowed),
        "levels": stats.sla_compliance(narrowed, today, now),
        "causes": stats.top_root_causes(narrowed),
        "regulator": stats.regulator_counts(complaints, start, end, today).cube(),
        "business": stats.counts_by(complaints, start, end, "business"),
        "outlet": stats.counts_by(complaints, start, end, "outlet"),
    }


def dashboard_figures(user, start: date, end: date) -> dict[str, object]:
    """What the dashboard shows (its views of the rollup, added up by the database)."""
    from branchcx.complaints.report_views import _outlets, build_report

    report, _reading = build_report(
        user, access.complaints_for_user(user), _outlets(user), stats.Period(start, end), None
    )
    return {
        "volume": report["volume"],
        "heat": report["heat"].counts,
        "times": report["times"],
        "levels": report["levels"],
        "causes": report["causes"],
        "outlet": [(r.outlet.code, r.complaints) for r in report["rates"].outlets if r.complaints],
    }


def assert_same(org, now: datetime) -> None:
    today = timezone.localtime(now).date()
    periods = [
        stats.default_period(today),  # whole months, the current one to date
        stats.Period(today - timedelta(days=200), today - timedelta(days=20)),  # partial ends
    ]
    for user in (org.head_office, org.manager_a, org.manager_b):
        for period in periods:
            rolled = whole_figures(user, period.start, period.end, now)
            direct = row_figures(user, period.start, period.end, now)
            for name in direct:
                assert rolled[name] == direct[name], (user, period, name)
            shown = dashboard_figures(user, period.start, period.end)
            direct["outlet"] = [(c.code, n) for c, n in direct["outlet"]]
            for name in shown:
                assert shown[name] == direct[name], ("dashboard", user, period, name)


def test_rollup_figures_equal_the_complaints_after_a_rebuild(org, generated):
    with time_machine.travel(START, tick=False):
        outcome = engine.rebuild(rollups.ROLLUP)
        assert outcome.rows > 0 and outcome.generation == 1
        assert_same(org, START)


def test_late_changes_reach_the_rollup_at_the_next_update(org, customer, generated):
    with time_machine.travel(START, tick=False):
        engine.rebuild(rollups.ROLLUP)
    with time_machine.travel(START - timedelta(days=80), tick=False):
        pass
    later = START + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        # given: a complaint closed long ago is reopened by an unsatisfied call-back
        closed = Complaint.objects.filter(state="closed").order_by("received_at").first()
        revisit = Revisit.objects.filter(complaint=closed, done_at__isnull=True).first()
        if revisit is not None:
            do_record_revisit(
                org.manager_a, revisit, method="phone", satisfaction=1, note="仍不满意。"
            )
        # a re-filed complaint is merged into an open one of another month
        target = register(org, customer, received_at=later - timedelta(days=70))
        duplicate = register(org, customer, received_at=later - timedelta(days=40))
        do_merge(
            org.manager_a, duplicate, target, expected_version=duplicate.version,
            new_facts=True,
        )  # fmt: skip
        # and an old one is decided
        waiting = Complaint.objects.filter(state="investigating", outlet=org.sh0101).first()
        advance(org, waiting, "decided", "notified")
        # when
        outcome = engine.update(rollups.ROLLUP)
        # then
        assert outcome.cells > 0
        assert_same(org, later)


def test_deadlines_that_pass_are_counted_without_any_other_change(org, customer, generated):
    with time_machine.travel(START, tick=False):
        register(org, customer, received_at=START - timedelta(days=2))  # due in 13 days
        engine.rebuild(rollups.ROLLUP)
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        engine.update(rollups.ROLLUP)  # the complaint's own change is now behind the watermark
        before = figures.service_levels(
            rollups.read(Complaint.objects.all(), lambda r: r, date(2025, 1, 1), START.date())
            .of(rollups.LEVELS)
        )  # fmt: skip
    later = START + timedelta(days=25)
    with time_machine.travel(later, tick=False):
        engine.update(rollups.ROLLUP)
        assert_same(org, later)
        after = stats.sla_compliance(Complaint.objects.all(), later.date(), later)
    assert after.regulatory.overdue > before.regulatory.overdue  # the rollup saw time pass


def test_a_failed_update_is_retried_and_the_page_is_told(org, customer, generated):
    with time_machine.travel(START, tick=False):
        engine.rebuild(rollups.ROLLUP)
    later = START + timedelta(minutes=3)
    with time_machine.travel(later, tick=False):
        register(org, customer, received_at=later)

        def broken(*args, **kwargs):
            raise RuntimeError("database went away")

        # when an update fails half-way
        with pytest.raises(RuntimeError):
            engine.update(dataclasses.replace(rollups.ROLLUP, compute=broken))
    # then the state says so, and the change waits: the watermark did not move past it
    state = RollupState.objects.get(name=rollups.NAME)
    assert state.failing_since == later and state.updated_at == START
    assert "database went away" in state.last_error
    shown = freshness([state])
    assert shown.stale and shown.as_of == START
    # and the next run applies it
    retry = later + timedelta(minutes=2)
    with time_machine.travel(retry, tick=False):
        engine.update(rollups.ROLLUP)
        assert_same(org, retry)
    state.refresh_from_db()
    assert state.failing_since is None and state.last_error == "" and state.updated_at == retry


def test_a_marked_cell_is_recomputed_when_its_rows_cannot_show_the_change(org, generated):
    with time_machine.travel(START, tick=False):
        engine.rebuild(rollups.ROLLUP)
    later = START + timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        # given: a complaint moved to another outlet by a bulk correction, which saves no
        # timestamp, and an action that marks both cells
        moved = Complaint.objects.filter(outlet=org.sh0101).exclude(state="merged").first()
        Complaint.objects.filter(pk=moved.pk).update(outlet=org.zj0101)
        engine.mark(
            rollups.NAME, [(org.sh0101.pk, moved.received_at), (org.zj0101.pk, moved.received_at)]
        )
        # when
        engine.update(rollups.ROLLUP)
        # then
        assert_same(org, later)
        assert not engine.RollupMark.objects.exists()


def test_only_one_worker_updates_a_rollup_at_a_time(org, generated):
    with time_machine.travel(START, tick=False):
        engine.rebuild(rollups.ROLLUP)
        RollupState.objects.filter(name=rollups.NAME).update(
            lease_owner="other", lease_until=START + timedelta(minutes=1)
        )
        with pytest.raises(engine.Busy):
            engine.update(rollups.ROLLUP)
    with time_machine.travel(START + timedelta(minutes=2), tick=False):
        assert engine.update(rollups.ROLLUP).generation == 1  # the lease ran out


def test_a_rebuild_switches_generations_and_keeps_readers_on_whole_ones(org, generated):
    with time_machine.travel(START, tick=False):
        engine.rebuild(rollups.ROLLUP)
        first = RollupState.objects.get(name=rollups.NAME).generation
        engine.rebuild(rollups.ROLLUP, since=START.date() - timedelta(days=60))
        state = RollupState.objects.get(name=rollups.NAME)
        # the old generation stays until the next update, for readers still on it
        from branchcx.complaints.models import ComplaintTally

        assert ComplaintTally.objects.filter(generation=first).exists()
        assert state.generation == first + 1
        assert_same(org, START)
        engine.update(rollups.ROLLUP)
        assert not ComplaintTally.objects.filter(generation=first).exists()


# --- the pages read the rollup -------------------------------------------------------------


def _dashboard(user, **params):
    from branchcx.testing import client_for

    client = client_for(user)
    client.cookies["django_language"] = "en"
    return client.get("/complaints/reports/", params)


def test_the_dashboard_reads_the_rollup_and_says_as_of_when(org, customer, generated):
    whole_year = {"start": "2025-12-01", "end": "2026-11-30"}  # whole months only
    with time_machine.travel(START, tick=False):
        before = _dashboard(org.head_office, **whole_year)
        # before the first build every figure is counted from the complaints
        assert before.context["freshness"].live
        assert "counted just now from the records" in before.content.decode()
        engine.rebuild(rollups.ROLLUP)
    later = START + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        register(org, customer, received_at=later - timedelta(days=3))
        stored = _dashboard(org.head_office, **whole_year)
        # the rollup is read: the new complaint is not in it yet, and the page says as of when
        assert stored.context["total"] == before.context["total"]
        assert stored.context["freshness"].as_of == START
        assert "Figures as of 2026-11-20 10:00" in stored.content.decode()
        engine.update(rollups.ROLLUP)
        updated = _dashboard(org.head_office, **whole_year)
        assert updated.context["total"] == before.context["total"] + 1
        # the same figures as the complaints give, for a manager's own scope too
        live = stats.heatmap(
            stats.in_period(
                access.complaints_for_user(org.manager_a),
                date(2025, 12, 1),
                date(2026, 11, 30),
            )
        )
        mine = _dashboard(org.manager_a, **whole_year)
        assert mine.context["report"]["heat"].counts == live.counts


def test_a_partly_covered_month_is_counted_now_and_the_page_says_so(org, customer, generated):
    with time_machine.travel(START, tick=False):
        engine.rebuild(rollups.ROLLUP)
        register(org, customer, received_at=START - timedelta(days=40, hours=1))
        page = _dashboard(org.head_office, start="2026-10-05", end="2026-11-20")
    assert page.context["freshness"].partly_live
    assert "counted just now" in page.content.decode()
    # the new complaint (2026-10-11) is in October's partial days, counted live
    october = next(m for m in page.context["report"]["volume"] if m.month == date(2026, 10, 1))
    direct = Complaint.objects.exclude(state="merged").filter(
        received_at__gte=datetime(2026, 10, 5, tzinfo=ZONE),
        received_at__lt=datetime(2026, 11, 1, tzinfo=ZONE),
    )
    assert october.count == direct.count()


def test_the_regulator_workbook_says_how_fresh_its_figures_are(org, generated):
    from branchcx.testing import client_for

    with time_machine.travel(START, tick=False):
        engine.rebuild(rollups.ROLLUP)
        client = client_for(org.head_office)
        client.cookies["django_language"] = "en"
        response = client.get(
            "/complaints/reports/regulator.xlsx", {"start": "2025-12-01", "end": "2026-11-30"}
        )
    assert response.status_code == 200
    about = load_workbook(io.BytesIO(response.content)).worksheets[0]
    facts = {row[0]: row[1] for row in about.iter_rows(values_only=True) if row and row[0]}
    assert facts["Figures"] == "stored figures as of 2026-11-20 10:00"
    assert facts["Complaints"] == sum(
        1
        for c in Complaint.objects.exclude(state="merged")
        if date(2025, 12, 1) <= timezone.localtime(c.received_at).date() <= date(2026, 11, 30)
    )


# --- rebuilds and failures while users work ------------------------------------------------


def _failing_on(call: int, counter: list[int]):
    """The rollup's compute, failing at its ``call``-th call (counting from 1)."""

    def compute(*args, **kwargs):
        counter.append(1)
        if len(counter) == call:
            raise RuntimeError("database went away")
        return rollups.compute(*args, **kwargs)

    return dataclasses.replace(rollups.ROLLUP, compute=compute)


def test_a_rebuild_while_users_work_neither_holds_them_up_nor_shows_half_built_numbers(
    org, customer, generated
):
    from django.db import connection

    period = stats.default_period(START.date())
    with time_machine.travel(START, tick=False):
        engine.rebuild(rollups.ROLLUP)
        before = dashboard_figures(org.head_office, period.start, period.end)
        outside = len(connection.atomic_blocks)  # the test's own transaction
        seen: list[dict[str, object]] = []

        def compute(month, unit_ids, now):
            # no transaction of the rebuild's is open while it reads: users' writes go on
            assert len(connection.atomic_blocks) == outside
            if month == date(2026, 6, 1):  # half-way through the new generation
                register(org, customer, received_at=START - timedelta(days=30))
                seen.append(dashboard_figures(org.head_office, period.start, period.end))
            return rollups.compute(month, unit_ids, now)

        engine.rebuild(dataclasses.replace(rollups.ROLLUP, compute=compute))
    # readers stayed on the whole old generation while the new one was half written
    assert seen == [before]
    # and the complaint registered meanwhile is in the figures after the next update
    with time_machine.travel(START + timedelta(minutes=2), tick=False):
        engine.update(rollups.ROLLUP)
        after = dashboard_figures(org.head_office, period.start, period.end)
        assert sum(m.count for m in after["volume"]) == sum(m.count for m in before["volume"]) + 1
        assert_same(org, START + timedelta(minutes=2))


def test_a_rebuild_that_fails_half_way_keeps_the_old_figures_and_the_page_says_so(org, generated):
    period = stats.default_period(START.date())
    with time_machine.travel(START, tick=False):
        engine.rebuild(rollups.ROLLUP)
        before = dashboard_figures(org.head_office, period.start, period.end)
    later = START + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        with pytest.raises(RuntimeError):
            engine.rebuild(_failing_on(4, []))
        state = RollupState.objects.get(name=rollups.NAME)
        assert state.generation == 1 and state.failing_since == later
        assert dashboard_figures(org.head_office, period.start, period.end) == before
        page = _dashboard(org.head_office).content.decode()
        assert "Updating the figures has failed since 2026-11-20 10:05" in page
        # the next run succeeds: a whole new generation, and the warning goes
        engine.rebuild(rollups.ROLLUP)
        assert RollupState.objects.get(name=rollups.NAME).generation == 2
        assert_same(org, later)
        assert "has failed" not in _dashboard(org.head_office).content.decode()


def test_an_update_that_fails_half_way_is_retried_and_the_page_says_so_meanwhile(
    org, customer, generated
):
    with time_machine.travel(START, tick=False):
        engine.rebuild(rollups.ROLLUP)
    later = START + timedelta(minutes=3)
    with time_machine.travel(later, tick=False):
        # given: changes in two months, so that the update writes one and fails on the other
        register(org, customer, received_at=later - timedelta(days=75))
        register(org, customer, received_at=later - timedelta(days=5))
        with pytest.raises(RuntimeError):
            engine.update(_failing_on(2, []))
        # then the page, whose figures now mix the two times, says that updating fails
        page = _dashboard(org.head_office).content.decode()
        assert "Updating the figures has failed since 2026-11-20 10:03" in page
        assert "Figures as of 2026-11-20 10:00" in page
    retry = later + timedelta(minutes=2)
    with time_machine.travel(retry, tick=False):
        engine.update(rollups.ROLLUP)
        assert_same(org, retry)
        page = _dashboard(org.head_office).content.decode()
        assert "has failed" not in page and "Figures as of 2026-11-20 10:05" in page


def test_the_worker_retries_a_failed_update_at_its_next_run(org, customer, generated, monkeypatch):
    from branchcx.rollups import tasks

    with time_machine.travel(START, tick=False):
        engine.rebuild(rollups.ROLLUP)
    counter: list[int] = []
    broken = _failing_on(1, counter)
    monkeypatch.setattr(engine.rollups, "registered", lambda: [broken])
    later = START + timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        register(org, customer, received_at=later)
        # the periodic task records the failure rather than dying on it
        assert tasks.update_rollups.call_local() == {}
        assert RollupState.objects.get(name=rollups.NAME).failing_since == later
    with time_machine.travel(later + timedelta(minutes=2), tick=False):
        assert tasks.update_rollups.call_local()[rollups.NAME] > 0  # the next run applies it
        state = RollupState.objects.get(name=rollups.NAME)
        assert state.failing_since is None and state.updated_at == later + timedelta(minutes=2)
        assert_same(org, later + timedelta(minutes=2))


def test_the_dashboard_says_which_figures_are_stored_and_which_counted_now(org, generated):
    with time_machine.travel(START, tick=False):
        engine.rebuild(rollups.ROLLUP)
        page = _dashboard(org.head_office).content.decode()
    # the stored figures' time, and the two figures counted at the request
    assert 'id="rollup-freshness" data-as-of="2026-11-20T10:00:00+08:00"' in page
    assert 'id="repeats-counted-now"' in page and 'id="customers-counted-now"' in page
