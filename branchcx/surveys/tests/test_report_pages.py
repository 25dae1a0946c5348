"""The satisfaction report pages: what they show, to whom, and the belief entry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from branchcx.audit.models import AuditEvent
from branchcx.lib.periods import quarter_start
from branchcx.surveys.actions import belief_stamp
from branchcx.surveys.models import ExpectationBelief
from branchcx.surveys.tests.test_report_queries import ITEMS, servqual_raw, submit, visit
from branchcx.surveys.tests.test_report_queries import servqual as servqual  # a fixture
from branchcx.testing import client_for

DASHBOARD = "/surveys/reports/"
EXPECTATIONS = "/surveys/reports/expectations/"
BELIEFS = "/surveys/reports/beliefs/"
VISITS = [  # outlet, nps, csat, ces
    ("sh0101", 10, 5, 6),
    ("sh0101", 9, 4, 5),
    ("sh0101", 3, 2, 2),
    ("zj0101", 10, 5, 7),
    ("zj0101", 6, 3, 4),
]


def english_client(user) -> Client:
    client = client_for(user)
    client.cookies["django_language"] = "en"
    return client


def text_of(html: str, element_id: str) -> str:
    """The text of the element with ``element_id`` (up to its closing tag), spaces collapsed."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(p|table|section|div)>', html, re.S)
    assert match, element_id
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def row_of(html: str, table_id: str, label: str) -> str:
    table = text_of(html, table_id)
    rows = re.findall(r"(<tr[^>]*>.*?)</tr>", re.search(
        rf'id="{table_id}".*?</table>', html, re.S).group(0), re.S)  # fmt: skip
    found = [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in rows if label in r]
    assert found, (label, table)
    return found[0]


@pytest.fixture
def visits(org):
    for outlet, nps, csat, ces in VISITS:
        visit(getattr(org, outlet), nps, csat, ces)


# --- the dashboard -----------------------------------------------------------------------------


def test_dashboard_shows_the_headline_scores_with_n_interval_and_small_sample_mark(org, visits):
    # 2 promoters and 1 detractor at SH0101, 1 and 1 at ZJ0101
    response = english_client(org.head_office).get(DASHBOARD)
    assert response.status_code == 200
    page = response.content.decode()
    # 3 promoters and 2 detractors of 5: NPS 20, SE 43.8, interval clipped at 100
    assert text_of(page, "stat-nps") == "20.0 [-65.9, 100.0] n = 5, small sample"
    assert 'class="bcx-figure bcx-small"' in page
    # 3 of 5 satisfied: 60%, Wilson interval; CES mean 4.8 with its t interval
    assert text_of(page, "stat-csat") == "60.0 [23.1, 88.2] n = 5, small sample"
    assert text_of(page, "stat-ces").startswith("4.80 [2.41, 7.00]")  # s² 3.7, t(4) 2.776
    assert row_of(page, "table-outlets", "浦东支行").startswith(
        "浦东支行 small sample 3 33.3 [-73.4, 100.0] n = 3, small sample 66.7"
    )
    assert "西湖支行 small sample 2 0.0" in row_of(page, "table-outlets", "西湖支行")
    assert 'id="survey-report-data"' in page and "surveys/reports.js" in page
    assert "<script>" not in page  # the CSP forbids inline scripts


def test_a_branch_manager_sees_only_their_outlets(org, visits):
    page = english_client(org.manager_a).get(DASHBOARD).content.decode()
    assert text_of(page, "stat-nps").startswith("33.3 ")
    assert "浦东支行" in page and "西湖支行" not in page
    mine = english_client(org.manager_b).get(DASHBOARD).content.decode()
    assert text_of(mine, "stat-nps").startswith("0.0 ") and "浦东支行" not in mine


def test_a_unit_outside_the_scope_or_a_bad_period_is_refused_with_the_reason(org, visits):
    outside = english_client(org.manager_b).get(DASHBOARD, {"unit": "SH0101"})
    assert outside.status_code == 400
    assert "Choose one of the units listed." in outside.content.decode()
    backwards = english_client(org.manager_a).get(
        DASHBOARD, {"start": "2026-03-01", "end": "2026-02-01"}
    )
    assert backwards.status_code == 400
    assert "The period must end on or after the day it starts." in backwards.content.decode()


def test_narrowing_to_an_outlet_and_an_empty_period(org, visits):
    client = english_client(org.head_office)
    narrowed = client.get(DASHBOARD, {"unit": "ZJ0101"}).content.decode()
    assert text_of(narrowed, "stat-nps").startswith("0.0 ")
    assert "浦东支行" not in text_of(narrowed, "table-outlets")
    empty = client.get(DASHBOARD, {"start": "2020-01-01", "end": "2020-03-31"})
    assert empty.status_code == 200
    assert 'id="report-empty"' in empty.content.decode()


def test_report_pages_need_the_scores_permission_and_a_sign_in(org):
    for url in (DASHBOARD, EXPECTATIONS):
        assert client_for(org.teller_a).get(url).status_code == 403
        assert client_for(org.manager_a).post(url).status_code == 405
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
        assert client_for(org.auditor).get(url).status_code == 200


def test_dashboard_shows_servqual_reliability_and_drivers(org, servqual):
    page = english_client(org.manager_a).get(DASHBOARD).content.decode()
    # 60 SERVQUAL answers at SH0101 (none of them a visit: no CSAT)
    assert "n = 60" not in text_of(page, "stat-nps")
    responsiveness = row_of(page, "table-dimensions", "Responsiveness")
    assert responsiveness.startswith("Responsiveness 60 ")
    alpha = row_of(page, "table-alpha", 'data-scale="perception-responsiveness"')
    assert "Reliable" in alpha and "unreliable" not in alpha
    assert "Below 0.70: unreliable" in row_of(
        page, "table-alpha", 'data-scale="expectation-responsiveness"'
    )
    network = row_of(page, "table-drivers", 'data-group="all"')
    assert network.startswith("All answers 60 ") and network.endswith("Responsiveness")
    service = row_of(page, "table-drivers", 'data-group="service"')
    assert service.startswith("Service-driven (服务主导型) 52 ")
    refused = row_of(page, "table-drivers", 'data-group="price"')
    assert "Not shown: 8 complete answers, at least 50 are needed" in refused
    by_outlet = english_client(org.manager_a).get(DASHBOARD, {"drivers": "outlet"})
    assert "浦东支行 60 " in row_of(by_outlet.content.decode(), "table-drivers", "浦东支行")


def count_queries(client, url):
    client.get(url)  # warm up (session, permissions)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
    return len(queries), response.context


def answers_shown(context) -> int:
    """The answers behind the page's figures: the dashboard's or the expectation views'."""
    if "network" in context:
        return context["network"].n
    return sum(o.n for o in context["report"].outlets)


@pytest.mark.parametrize("stored", [False, True], ids=["counted", "from-the-rollup"])
def test_report_queries_do_not_grow_with_the_answers(org, visits, servqual, stored):
    from branchcx.rollups import engine
    from branchcx.surveys.rollups import ROLLUP

    if stored:
        engine.rebuild(ROLLUP)
    client = english_client(org.head_office)
    few = {url: count_queries(client, url) for url in (DASHBOARD, EXPECTATIONS)}
    today = timezone.localdate()
    for n in range(5):  # in months that had no answers yet: more groups
        visit(org.zj0101, n, 1 + n % 5, 1 + n, day=today - timedelta(days=31 * n + 31))
        six = dict.fromkeys(range(1, 23), 6)
        submit("servqual", org.zj0101, servqual_raw(six, six, overall=6), segment="price")
    if stored:
        engine.rebuild(ROLLUP)  # the earlier days are only counted by a rebuild
    more = {url: count_queries(client, url) for url in (DASHBOARD, EXPECTATIONS)}
    # the second pages counted the new answers (nothing kept them from the first) ...
    assert answers_shown(more[DASHBOARD][1]) == answers_shown(few[DASHBOARD][1]) + 10
    assert answers_shown(more[EXPECTATIONS][1]) == answers_shown(few[EXPECTATIONS][1]) + 10
    # ... with the same queries
    assert {u: c for u, (c, _) in more.items()} == {u: c for u, (c, _) in few.items()}
    assert few[DASHBOARD][0] <= 30 and few[EXPECTATIONS][0] <= 20


# --- the expectation views ---------------------------------------------------------------------


@pytest.fixture
def gaps(org):
    """Two SERVQUAL answers at SH0101 (responsiveness perceived 4 and 5 against 6, adequate
    5) and one at ZJ0101 where everything is 6."""
    low = {i: (4 if i in ITEMS["responsiveness"] else 6) for i in range(1, 23)}
    mid = {i: (5 if i in ITEMS["responsiveness"] else 6) for i in range(1, 23)}
    six = dict.fromkeys(range(1, 23), 6)
    submit("servqual", org.sh0101, servqual_raw(low, six, overall=4, zone=(5, 7)))
    submit("servqual", org.sh0101, servqual_raw(mid, six, overall=5, zone=(5, 7)))
    submit("servqual", org.zj0101, servqual_raw(six, six, overall=6, zone=(5, 7)))


def test_expectations_page_shows_gaps_zone_drift_and_knowledge_gap(org, gaps):
    # given: SH01's managers believe customers expect 6.5 on responsiveness this quarter
    client = english_client(org.manager_a)
    quarter = quarter_start(timezone.localdate())
    levels = {"tangibles": 5, "reliability": 5, "responsiveness": 6.5, "assurance": 5,
              "empathy": 5}  # fmt: skip
    client.post(BELIEFS, {"unit": "SH01", "quarter": f"{quarter}", **levels})
    # when
    response = english_client(org.head_office).get(EXPECTATIONS)
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert row_of(page, "table-heat", "浦东支行") == (
        "浦东支行 2 small sample 0.00 0.00 -1.50 0.00 0.00"
    )
    assert row_of(page, "table-heat", "西湖支行").endswith("0.00 0.00 0.00 0.00 0.00")
    # responsiveness at SH0101 is below the adequate level (4.5 against 5), nothing else
    (zone,) = re.findall(r"<tbody>(.*?)</tbody>", re.search(
        r'id="table-zone".*?</table>', page, re.S).group(0), re.S)  # fmt: skip
    assert " ".join(re.sub(r"<[^>]+>", " ", zone).split()) == (
        "浦东支行 Responsiveness 2 small sample 4.50 5.00 7.00 -0.50 -2.50"
    )
    assert "6.00 5.00" in row_of(page, "table-drift", "Q")  # responsiveness E and P
    belief = row_of(page, "table-knowledge", 'data-belief="SH01-responsiveness"')
    assert belief.endswith("Responsiveness 6.5 6.00 2 small sample 0.50")
    assert 'id="expectation-report-data"' in page


def test_the_knowledge_gap_is_scoped_and_monthly_drift_can_be_chosen(org, gaps):
    quarter = quarter_start(timezone.localdate())
    levels = dict.fromkeys(["tangibles", "reliability", "responsiveness", "assurance",
                            "empathy"], 6)  # fmt: skip
    english_client(org.manager_a).post(BELIEFS, {"unit": "SH01", "quarter": f"{quarter}",
                                                 **levels})  # fmt: skip
    theirs = english_client(org.manager_b).get(EXPECTATIONS, {"every": "month"})
    page = theirs.content.decode()
    assert 'id="knowledge-none"' in page and "浦东支行" not in page
    assert row_of(page, "table-drift", f"{timezone.localdate():%Y-%m}")


# --- recording beliefs -------------------------------------------------------------------------


def belief_form(unit="SH0101", quarter=None, seen="", **levels):
    quarter = quarter or quarter_start(timezone.localdate())
    values = {"tangibles": 5.5, "reliability": 6, "responsiveness": 6.5, "assurance": 5,
              "empathy": 5.2}  # fmt: skip
    return (
        {"unit": unit, "quarter": f"{quarter}", "seen": seen, "note": "季度例会"} | values | levels
    )


def test_a_manager_records_beliefs_and_recording_again_updates_them(org):
    client = english_client(org.manager_a)
    # when: recorded for SH0101 this quarter
    first = client.post(BELIEFS, belief_form())
    # then: five beliefs, each audited as created
    assert first.status_code == 302 and "unit=SH0101" in first["Location"]
    stored = {b.dimension: b.expectation for b in ExpectationBelief.objects.all()}
    assert stored == {"tangibles": 5.5, "reliability": 6.0, "responsiveness": 6.5,
                      "assurance": 5.0, "empathy": 5.2}  # fmt: skip
    assert AuditEvent.objects.filter(action="create", target_type="surveys.ExpectationBelief"
                                     ).count() == 5  # fmt: skip
    # the page shows them for updating, with the version the update is checked against
    shown = client.get(first["Location"]).content.decode()
    seen = belief_stamp(ExpectationBelief.objects.all())
    assert f'value="{seen}"' in shown and "recorded: 6.5" in shown
    # when: recorded again with responsiveness changed
    again = client.post(BELIEFS, belief_form(seen=seen, responsiveness=6.8))
    assert again.status_code == 302
    assert ExpectationBelief.objects.count() == 5
    assert ExpectationBelief.objects.get(dimension="responsiveness").expectation == 6.8
    change = AuditEvent.objects.get(action="change", target_type="surveys.ExpectationBelief")
    assert change.detail["before"] == 6.5 and change.detail["after"] == 6.8


def test_recording_over_a_colleagues_newer_figures_is_refused_and_shows_them(org):
    client = english_client(org.manager_a)
    client.post(BELIEFS, belief_form())
    stale = client.post(BELIEFS, belief_form(responsiveness=3))  # opened before the first
    assert stale.status_code == 400
    page = stale.content.decode()
    assert "Someone recorded beliefs for this unit and quarter after you opened" in page
    assert ExpectationBelief.objects.get(dimension="responsiveness").expectation == 6.5
    # the form now carries the current version: recording again succeeds
    seen = belief_stamp(ExpectationBelief.objects.all())
    assert f'value="{seen}"' in page
    assert client.post(BELIEFS, belief_form(seen=seen, responsiveness=3)).status_code == 302


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"responsiveness": 8}, "Enter a level from 1 to 7."),
        ({"empathy": 0.5}, "Enter a level from 1 to 7."),
        ({"assurance": ""}, "Enter a level from 1 to 7."),
        ({"unit": "ZJ0101"}, "Choose one of the units listed."),
        ({"quarter": "2031-01-01"}, "Choose one of the quarters listed."),
    ],
)
def test_belief_entry_explains_what_is_wrong(org, changes, message):
    response = english_client(org.manager_a).post(BELIEFS, belief_form(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ExpectationBelief.objects.exists()


def test_belief_page_needs_the_belief_permission(org):
    assert client_for(org.manager_a).get(BELIEFS).status_code == 200
    for user in (org.teller_a, org.auditor):
        assert client_for(user).get(BELIEFS).status_code == 403
        assert client_for(user).post(BELIEFS, belief_form()).status_code == 403
    anonymous = Client().get(BELIEFS)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert client_for(org.manager_a).delete(BELIEFS).status_code == 405
    assert not ExpectationBelief.objects.exists()


def test_belief_page_lists_only_the_units_in_scope(org):
    english_client(org.manager_b).post(BELIEFS, belief_form(unit="ZJ0101"))
    page = english_client(org.manager_a).get(BELIEFS).content.decode()
    assert 'value="SH0101"' in page and 'value="ZJ0101"' not in page
    assert "西湖支行" not in text_of(page, "table-beliefs")


# --- in a real browser -------------------------------------------------------------------------


@pytest.mark.browser
def test_dashboard_charts_draw_without_errors(page, live_org) -> None:
    import importlib
    import re as regex

    from django.apps import apps
    from playwright.sync_api import expect

    from branchcx.surveys.models import Survey
    from branchcx.testing import PASSWORD

    # given: the shipped questionnaires (a transactional test empties them) and some answers
    if not Survey.objects.filter(code="servqual").exists():
        shipped = importlib.import_module("branchcx.surveys.migrations.0002_shipped_questionnaires")
        shipped.ship(apps, connection.schema_editor())
    for outlet, nps, csat, ces in VISITS:
        visit(getattr(live_org, outlet), nps, csat, ces)
    six = dict.fromkeys(range(1, 23), 6)
    five = dict.fromkeys(range(1, 23), 5)
    submit("servqual", live_org.sh0101, servqual_raw(five, six, overall=5))
    # when
    page.goto("/login/")
    page.locator("#id_username").fill(live_org.manager_a.get_username())
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(regex.compile(r"/home/$"))
    page.goto(DASHBOARD)
    # then: every chart is drawn (a console error or CSP violation fails the test)
    for chart in ("#chart-trend-nps", "#chart-trend-csat", "#chart-outlets", "#chart-dimensions"):
        expect(page.locator(chart)).to_have_attribute("data-ready", "1")
        expect(page.locator(f"{chart} canvas").first).to_be_visible()
    page.goto(EXPECTATIONS)
    for chart in ("#chart-heat", "#chart-drift"):
        expect(page.locator(chart)).to_have_attribute("data-ready", "1")
        expect(page.locator(f"{chart} canvas").first).to_be_visible()


@pytest.mark.parametrize("every", ["month", "quarter"])
def test_the_drift_chart_shows_a_period_without_answers_as_a_gap(org, every):
    from branchcx.lib.periods import months_back, quarter_label

    six = dict.fromkeys(range(1, 23), 6)
    this_month = timezone.localdate().replace(day=1)
    step = 3 if every == "quarter" else 1
    first, empty, last = (months_back(this_month, step * k) for k in (2, 1, 0))
    for day in (first, last):  # nothing in the period between
        submit("servqual", org.sh0101, servqual_raw(six, six, overall=6), day=day)
    response = english_client(org.head_office).get(
        EXPECTATIONS, {"every": every, "start": first.isoformat()}
    )
    assert response.status_code == 200
    drift = response.context["chart"]["drift"]
    label = quarter_label if every == "quarter" else (lambda d: f"{d:%Y-%m}")
    assert drift["periods"] == [label(first), label(empty), label(last)]
    for side in ("expectation", "perception"):
        for line in drift[side]:  # one per dimension
            assert line[1] is None and line[0] is not None and line[2] is not None
