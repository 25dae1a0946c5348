"""Complaint statistics: exact figures on a small known set, the dashboard, the regulator's
workbook and the statistics API (scope, permissions, periods, constant query counts)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone
from openpyxl import load_workbook

from branchcx.audit.models import AuditEvent
from branchcx.complaints import stats
from branchcx.complaints.actions import do_register_complaint
from branchcx.complaints.models import ClockPause, Complaint
from branchcx.complaints.tests.test_workflow import advance, code, register
from branchcx.complaints.tests.test_workflow import customer as customer  # a fixture
from branchcx.complaints.tests.test_workflow import english as english  # a fixture
from branchcx.customers.actions import do_create_customer
from branchcx.customers.models import Customer
from branchcx.lib.masking import mask_name
from branchcx.org.models import Role
from branchcx.testing import api_client_for, client_for, make_staff

DASHBOARD = "/complaints/reports/"
EXPORT = "/complaints/reports/regulator.xlsx"
API = "/api/v1/complaints/statistics"


def english_client(user) -> Client:
    client = client_for(user)
    client.cookies["django_language"] = "en"
    return client


def make_customer(org, number: str, outlet, *, by=None, name: str = "王小明"):
    return do_create_customer(
        by or org.teller_a,
        customer_no=number,
        home_outlet=outlet,
        became_customer_on=date(2019, 1, 1),
        name=name,
        id_type="passport",
        id_number=f"E{number}",
    )


@pytest.fixture
def known(org, customer):
    """Three complaints at 浦东支行 (branch A), one at 西湖支行 (branch B):

    - late: the customer's, bank cards / pricing, counter channel, received 20 days ago and
      decided today, the customer not yet told: overdue (the 15-day deadline has passed);
    - quick: the customer's again, bank cards / pricing, mobile banking, received and decided
      today, told and closed;
    - fresh: another customer's, savings / attitude, no channel code, major (disaster),
      just registered;
    - other: branch B's, payments / funds safety, registered.
    """
    now = timezone.now()
    second = make_customer(org, "C7002", org.sh0101)
    late = register(
        org, customer, cause=code("cause", "07"), channel=code("channel", "01"),
        received_at=now - timedelta(days=20),
    )  # fmt: skip
    late = advance(org, late, "accepted", "investigating", "decided")
    quick = register(org, customer, cause=code("cause", "07"), channel=code("channel", "04"))
    quick = advance(org, quick, "accepted", "investigating", "decided", "notified", "closed")
    fresh = register(
        org, second, business=code("business", "01"), card_reason=None,
        cause=code("cause", "01"), major_reason="disaster",
    )  # fmt: skip
    outsider = make_customer(org, "C8001", org.zj0101, by=org.teller_b)
    other = do_register_complaint(
        org.teller_b, outlet=org.zj0101, intake_channel="counter", customer=outsider,
        narrative="转账三天未到账。", business=code("business", "05"), cause=code("cause", "10"),
    )  # fmt: skip
    return {"late": late, "quick": quick, "fresh": fresh, "other": other}


def without_complaints(org):
    """A member of staff at 浦东支行 whose role was taken away: no complaint permission."""
    user = make_staff("former_teller", Role.TELLER, org.sh0101, 20).user
    user.groups.clear()
    return user


def period() -> tuple[date, date]:
    today = timezone.localdate()
    return today - timedelta(days=60), today


def branch_a() -> object:
    return Complaint.objects.filter(outlet__code="SH0101")


# --- the statistics themselves ---------------------------------------------------------------


def test_heatmap_counts_business_by_cause(org, known):
    # when
    heat = stats.heatmap(branch_a())

    # then
    assert heat.counts == {("03", "07"): 2, ("01", "01"): 1}
    assert [b.code for b in heat.businesses] == ["01", "03"]
    assert [c.code for c in heat.causes] == ["01", "07"]
    assert heat.table()[1][1:] == ([0, 2], 2)
    assert (heat.total, heat.peak) == (3, 2)


def test_volume_by_month_fills_months_without_complaints(org, known):
    start, end = period()
    months = stats.volume_by_month(branch_a(), start, end)
    assert [m.month for m in months] == stats.Period(start, end).months()
    assert sum(m.count for m in months) == 3
    assert sum(m.major for m in months) == 1
    this_month = timezone.localdate().replace(day=1)
    assert months[-1].month == this_month


def test_time_to_decision_counts_natural_days_until_the_customer_is_told(org, known):
    *_months, overall = stats.time_to_decision(branch_a())
    assert overall.month is None
    # the quick one was told the day it arrived; the late one is decided but not told
    assert (overall.decided, overall.undecided) == (1, 2)
    assert (overall.mean_days, overall.median_days) == (0.0, 0.0)


def test_time_to_decision_per_month_of_receipt(org, customer):
    # given: one received 40 days ago and told today, one received and told today
    old = register(org, customer, received_at=timezone.now() - timedelta(days=40))
    advance(org, old, "accepted", "investigating", "decided", "notified")
    advance(org, register(org, customer), "accepted", "investigating", "decided", "notified")

    # when
    *months, overall = stats.time_to_decision(branch_a())

    # then
    received = timezone.localtime(old.received_at).date().replace(day=1)
    assert [(t.month, t.decided, t.mean_days) for t in months] == [
        (received, 1, 40.0), (timezone.localdate().replace(day=1), 1, 0.0),
    ]  # fmt: skip
    assert (overall.decided, overall.mean_days, overall.median_days) == (2, 20.0, 20.0)


def test_sla_compliance_counts_the_deadline_and_the_internal_targets(org, known):
    levels = stats.sla_compliance(branch_a(), timezone.localdate())
    # the late complaint's customer is still not told, 5 days after the deadline; the quick
    # one was told in time; the fresh one is not due
    assert (levels.regulatory.met, levels.regulatory.late, levels.regulatory.overdue) == (1, 0, 1)
    assert levels.regulatory.share == 0.5
    # accepted at once vs. 20 days after receipt; the fresh one may still be answered in time
    assert (levels.first_response.met, levels.first_response.late) == (1, 1)
    # told and closed today vs. still open long past its resolution target
    assert (levels.resolution.met, levels.resolution.late) == (1, 1)


def test_an_undecided_complaint_past_its_deadline_counts_as_overdue(org, customer):
    register(org, customer, received_at=timezone.now() - timedelta(days=17))
    levels = stats.sla_compliance(branch_a(), timezone.localdate())
    assert (levels.regulatory.met, levels.regulatory.overdue, levels.regulatory.share) == (
        0, 1, 0.0,
    )  # fmt: skip


def test_repeat_complainants_are_counted_and_masked(org, known, customer):
    repeats = stats.repeat_complainants(branch_a(), period()[0])
    assert (repeats.customers, repeats.complaints) == (1, 2)
    (top,) = repeats.top
    assert (top.customer_no, top.complaints) == ("C7001", 2)
    assert top.masked_name == mask_name("李四") != "李四"


def test_top_root_causes_with_remediation_status(org, known):
    (cause,) = stats.top_root_causes(branch_a())
    assert (cause.code, cause.parent) == ("S03", "人员与服务")
    assert (cause.decisions, cause.complaints, cause.finished, cause.open) == (2, 2, 1, 1)


def test_rates_per_10k_customers_by_home_outlet(org, known):
    start, end = period()
    rates = stats.rates_per_10k(branch_a(), Customer.objects.all(), start, end)
    # 3 complaints at 浦东支行, whose 2 customers call it home
    assert (rates.overall.complaints, rates.overall.customers) == (3, 3)
    pudong, xihu = rates.outlets
    assert (pudong.outlet.code, pudong.complaints, pudong.customers) == ("SH0101", 3, 2)
    assert pudong.per_10k == 15000.0
    assert (xihu.outlet.code, xihu.complaints, xihu.per_10k) == ("ZJ0101", 0, 0.0)


def test_regulator_counts_by_code_with_decision_bands(org, known):
    start, end = period()
    counts = stats.regulator_counts(branch_a(), start, end)
    totals = counts.totals
    # only the quick one's customer was told: decided but untold is not decided
    assert (totals.total, totals.major, totals.decided, totals.undecided) == (3, 1, 1, 2)
    assert (totals.within_15, totals.within_30, totals.within_60, totals.on_time) == (1, 1, 1, 1)
    by_business = {code.code: tally for code, tally in counts.by("business")}
    assert by_business["03"].total == 2 and by_business["03"].within_15 == 1
    assert by_business["03"].undecided == 1
    assert by_business["01"].major == 1
    assert [(c.code, t.total) for c, t in counts.by("channel")] == [("01", 1), ("04", 1), ("", 1)]
    assert [(b.code, c.code, t.total) for b, c, t in counts.business_by_cause()] == [
        ("01", "01", 1), ("03", "07", 2),
    ]  # fmt: skip


def test_merged_complaints_are_not_counted_twice(org, known):
    Complaint.objects.filter(pk=known["fresh"].pk).update(state="merged")
    assert stats.heatmap(branch_a()).total == 2


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        ("2026-13-01", "", "start", "YYYY-MM-DD"),
        ("2026-03-01", "2026-02-01", "end", "on or after"),
        ("2023-01-01", "2026-01-02", "end", "at most 1096"),
    ],
)
def test_a_bad_period_is_refused_with_a_clear_message(start, end, field, message):
    with pytest.raises(ValidationError) as caught:
        stats.parse_period(start, end, date(2026, 6, 30))
    assert message in caught.value.message_dict[field][0]


def test_a_leap_year_is_a_valid_period():
    leap = stats.parse_period("2024-01-01", "2024-12-31", date(2026, 6, 30))
    assert leap.days == 366
    assert stats.default_period(date(2026, 6, 30)) == stats.Period(
        date(2025, 7, 1), date(2026, 6, 30)
    )


def test_paused_days_do_not_count_against_the_deadline(org, customer):
    # given: received 20 days ago, 10 of them in external appraisal (on record: the pause
    # itself can no longer be recorded this late)
    today = timezone.localdate()
    complaint = register(org, customer, received_at=timezone.now() - timedelta(days=20))
    complaint = advance(org, complaint, "accepted", "investigating")
    ClockPause.objects.create(
        complaint=complaint, reason="appraisal", started_on=today - timedelta(days=15),
        ended_on=today - timedelta(days=5),
    )  # fmt: skip

    # when: decided and told today, 20 natural days after receipt
    advance(org, complaint, "decided", "notified")

    # then: 20 days used of 15 allowed plus 10 paused; 10 days as the regulation counts
    levels = stats.sla_compliance(branch_a(), today)
    assert (levels.regulatory.met, levels.regulatory.late) == (1, 0)
    totals = stats.regulator_counts(branch_a(), *period()).totals
    assert (totals.within_15, totals.on_time) == (1, 1)


# --- the dashboard ---------------------------------------------------------------------------


def test_dashboard_shows_the_figures_of_the_scope(org, known):
    start, end = period()
    response = client_for(org.manager_a).get(DASHBOARD, {"start": start, "end": end})
    assert response.status_code == 200
    page = response.content.decode()
    report = response.context["report"]
    assert response.context["total"] == 3 and report["heat"].counts[("03", "07")] == 2
    assert 'id="complaint-report-data"' in page and "complaints/reports.js" in page
    assert "<script>" not in page  # the CSP forbids inline scripts
    # repeat complainants are masked
    assert mask_name("李四") in page and "李四" not in page
    assert "15000.0" in page
    assert response.context["shares"]["regulatory"] == "50.0%"


def test_branch_b_sees_only_its_own_complaints(org, known):
    response = client_for(org.manager_b).get(DASHBOARD)
    assert response.status_code == 200
    heat = response.context["report"]["heat"]
    assert heat.counts == {("05", "10"): 1}
    assert [r.outlet.code for r in response.context["report"]["rates"].outlets] == ["ZJ0101"]


def test_head_office_sees_the_whole_network_and_can_narrow_to_an_outlet(org, known):
    client = client_for(org.head_office)
    assert client.get(DASHBOARD).context["total"] == 4
    narrowed = client.get(DASHBOARD, {"outlet": "ZJ0101"})
    assert narrowed.context["total"] == 1
    assert narrowed.context["report"]["rates"].overall.customers == 1


def test_an_outlet_outside_the_scope_is_refused(org, known):
    response = english_client(org.manager_b).get(DASHBOARD, {"outlet": "SH0101"})
    assert response.status_code == 400
    assert "Choose one of the outlets listed." in response.content.decode()


def test_a_bad_period_shows_a_clear_error(org, known):
    response = english_client(org.manager_a).get(
        DASHBOARD, {"start": "2026-03-01", "end": "2026-02-01"}
    )
    assert response.status_code == 400
    assert "The period must end on or after the day it starts." in response.content.decode()
    too_long = english_client(org.manager_a).get(
        DASHBOARD, {"start": "2022-01-01", "end": "2026-01-01"}
    )
    assert "choose at most 1096 (three years)" in too_long.content.decode()


def test_an_empty_period_says_so(org, known):
    response = client_for(org.manager_a).get(
        DASHBOARD, {"start": "2020-01-01", "end": "2020-03-31"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="report-empty"' in page and "complaint-report-data" not in page


def test_dashboard_needs_the_view_permission_and_a_sign_in(org, known):
    assert client_for(without_complaints(org)).get(DASHBOARD).status_code == 403
    assert client_for(org.manager_a).post(DASHBOARD).status_code == 405
    anonymous = Client().get(DASHBOARD)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")


def test_dashboard_queries_do_not_grow_with_the_complaints(org, known, customer):
    client = client_for(org.manager_a)
    client.get(DASHBOARD)  # warm up (session, permissions)
    with CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD)
    for _ in range(4):
        complaint = register(org, customer, cause=code("cause", "03"))
        advance(org, complaint, "accepted", "investigating", "decided")
    make_customer(org, "C7003", org.sh0101)
    with CaptureQueriesContext(connection) as more:
        response = client.get(DASHBOARD)
    assert response.context["total"] == 7
    assert len(more) == len(few) <= 25


# --- the regulator's workbook ----------------------------------------------------------------


def workbook(response):
    return load_workbook(io.BytesIO(response.content))


def rows_of(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_regulator_workbook_counts_by_code_and_is_audited(org, known):
    start, end = period()
    response = english_client(org.manager_a).get(EXPORT, {"start": start, "end": end})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="complaint-statistics-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    )
    book = workbook(response)
    about, business, cause, channel, crossed, cube = book.worksheets
    facts = {row[0]: row[1] for row in rows_of(about)[1:]}
    assert facts["Period from"].date() == start and facts["Period to"].date() == end
    assert facts["Scope"] == "上海分行 (SH01) and the units under it"
    assert facts["Complaints"] == 3 and facts["Major complaints"] == 1
    assert facts["Decided and told within 15 days"] == 1
    assert facts["Decided and told within the days allowed"] == 1
    assert facts["Not yet decided and told"] == 2
    assert facts["Generated by"] == "manager_a"
    header, *lines = rows_of(business)
    assert header[:4] == [
        "Business category code", "Business category (Chinese)", "Business category (English)",
        "Complaints",
    ]  # fmt: skip
    assert header[4:] == [
        "Major complaints", "Decided and told within 15 days", "Decided and told within 30 days",
        "Decided and told within 60 days", "Decided and told within the days allowed",
        "Not yet decided and told",
    ]  # fmt: skip
    assert lines == [
        ["01", "人民币储蓄", "RMB savings", 1, 1, 0, 0, 0, 0, 1],
        ["03", "银行卡", "Bank cards", 2, 0, 1, 1, 1, 1, 1],
    ]
    assert [row[:4] for row in rows_of(cause)[1:]] == [
        ["01", "服务态度及服务质量", "Service attitude and quality", 1],
        ["07", "定价收费", "Pricing and fees", 2],
    ]
    assert [row[:4] for row in rows_of(channel)[1:]] == [
        ["01", "营业网点", "Branch counter", 1],
        ["04", "手机银行", "Mobile banking", 1],
        [None, "未分类", "Unclassified", 1],  # an empty cell: no code
    ]
    assert [row[0] + row[3] + str(row[6]) for row in rows_of(crossed)[1:]] == ["01011", "03072"]
    assert len(rows_of(cube)) == 4
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor == org.manager_a and event.field == "complaint_statistics"
    assert event.detail == {
        "start": start.isoformat(), "end": end.isoformat(), "outlet": "",
        "scope": "上海分行 (SH01) and the units under it", "complaints": 3,
    }  # fmt: skip


def test_branch_b_exports_only_its_own_complaints(org, known):
    book = workbook(client_for(org.manager_b).get(EXPORT))
    assert [row[0] for row in rows_of(book.worksheets[1])[1:]] == ["05"]


def test_export_needs_the_statistics_permission(org, known):
    assert client_for(org.teller_a).get(EXPORT).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    assert client_for(org.auditor).get(EXPORT).status_code == 200


def test_export_of_a_bad_period_goes_back_to_the_dashboard_with_the_error(org, known):
    client = english_client(org.manager_a)
    response = client.get(EXPORT, {"start": "2023-01-01", "end": "2026-06-30"})
    assert response.status_code == 302
    assert response["Location"] == f"{DASHBOARD}?start=2023-01-01&end=2026-06-30"
    shown = client.get(response["Location"])
    assert "The period covers 1277 days" in shown.content.decode()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


# --- the API -----------------------------------------------------------------------------------


def english_api_client(user) -> Client:
    client = api_client_for(user)
    client.cookies["django_language"] = "en"
    return client


def test_api_counts_per_code_with_names(org, known):
    start, end = period()
    response = english_api_client(org.manager_a).get(
        API, {"start": start, "end": end, "group_by": "cause"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "start": start.isoformat(), "end": end.isoformat(), "group_by": "cause", "total": 3,
        "as_of": None, "counted_now": True,  # the rollup is not built: all counted now
        "counts": [
            {"code": "01", "name": "服务态度及服务质量", "name_en": "Service attitude and quality",
             "count": 1},
            {"code": "07", "name": "定价收费", "name_en": "Pricing and fees", "count": 2},
        ],
    }  # fmt: skip


def test_api_groups_by_outlet_within_the_scope(org, known):
    head = api_client_for(org.head_office).get(API, {"group_by": "outlet"}).json()
    assert [(c["code"], c["count"]) for c in head["counts"]] == [("SH0101", 3), ("ZJ0101", 1)]
    branch_b = api_client_for(org.manager_b).get(API, {"group_by": "outlet"}).json()
    assert [(c["code"], c["count"]) for c in branch_b["counts"]] == [("ZJ0101", 1)]


def test_api_refuses_a_bad_period_and_a_bad_grouping(org, known):
    client = english_api_client(org.manager_a)
    backwards = client.get(API, {"start": "2026-03-01", "end": "2026-02-01"})
    assert backwards.status_code == 422
    assert backwards.json()["errors"] == {
        "end": ["The period must end on or after the day it starts."]
    }
    assert client.get(API, {"start": "2026-02-30"}).status_code == 422
    assert client.get(API, {"group_by": "colour"}).status_code == 422


def test_api_needs_a_token_and_the_view_permission(org, known):
    assert Client().get(API).status_code == 401
    # (a session works for reading too; a user without a role cannot create a token)
    assert client_for(without_complaints(org)).get(API).status_code == 403


def test_statistics_route_is_not_taken_for_a_complaint_uuid():
    # the statistics router is registered before the complaints router's /complaints/{uuid}
    assert resolve(API).route == "api/v1/complaints/statistics"


# --- in a real browser -------------------------------------------------------------------------


@pytest.mark.browser
def test_dashboard_charts_draw_under_the_csp(page, live_org) -> None:
    import re

    from playwright.sync_api import expect

    from branchcx.testing import PASSWORD

    # given: two complaints, one of them decided and the customer told
    customer = make_customer(live_org, "C7101", live_org.sh0101)
    decided = register(live_org, customer, cause=code("cause", "07"))
    advance(live_org, decided, "accepted", "investigating", "decided", "notified")
    register(live_org, customer, business=code("business", "01"), card_reason=None)

    # when
    page.goto("/login/")
    page.locator("#id_username").fill(live_org.manager_a.get_username())
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/home/$"))
    page.goto(DASHBOARD)

    # then: every chart is drawn (a CSP violation or script error fails the test)
    for chart in ("#chart-volume", "#chart-heatmap", "#chart-times", "#chart-rates"):
        expect(page.locator(chart)).to_have_attribute("data-ready", "1")
        expect(page.locator(f"{chart} canvas").first).to_be_visible()
    expect(page.locator("#stat-total")).to_have_text("2")
    expect(page.locator("#table-repeats")).to_contain_text("C7101")
