"""Importing the core system's files: all or nothing, precise row errors, idempotent."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from openpyxl import Workbook

from branchcx.audit.models import AuditEvent
from branchcx.customers.imports import (
    parse_date,
    parse_datetime,
    row_ranges,
    run_import,
)
from branchcx.customers.models import Customer, Holding, ImportJob, Transaction
from branchcx.org.actions import SystemActor
from branchcx.testing import client_for

from .conftest import ID_OUYANG, ID_ZHANG

HEADER = "customer_no,name,id_type,id_number,mobile,home_outlet,became_customer_on,tags\n"
GOOD = [
    f"C1001,王小明,resident_id,{ID_ZHANG},13812345678,SH0101,2019-03-01,retirement\n",
    f"C1002,欧阳娜娜,身份证,{ID_OUYANG},13900002222,SH0101,2020/05/06,low-risk;salon\n",
]


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def errors_of(report) -> set[tuple[int, str]]:
    return {(row, column) for row, column, _reason in report.errors}


def test_customers_load_from_utf8_and_gbk_alike(org, tmp_path):
    report = run_import(org.manager_a, "customers", write(tmp_path, HEADER + "".join(GOOD), "gbk"))
    assert (report.error_count, report.created, report.encoding) == (0, 2, "gb18030")
    wang = Customer.objects.get(customer_no="C1001")
    assert wang.name == "王小明" and wang.mobile == "13812345678"
    assert str(wang.birth_date) == "1985-03-07"  # from the resident ID
    assert {t.code for t in Customer.objects.get(customer_no="C1002").tags.all()} == {
        "low-risk",
        "salon",
    }
    # change history of personal records, bulk or not: the same data, readable, by whom
    (created,) = wang.history.all()
    assert (created.history_type, created.name, created.id_number) == ("+", "王小明", ID_ZHANG)
    assert created.history_user == org.manager_a and created.id == wang.pk
    assert abs((timezone.now() - wang.created_at).total_seconds()) < 60  # stored in UTC
    assert wang.tier.code == "standard" and wang.aum == 0
    assert AuditEvent.objects.filter(action="import", field="customers").count() == 1


def test_chinese_headers_and_xlsx_are_read(org, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["客户号", "姓名", "证件号码", "手机号", "归属网点", "成为客户日期"])
    sheet.append(["C2001", "李四", ID_ZHANG, 13812345678, "SH0101", "2018-01-02"])
    path = tmp_path / "客户.xlsx"
    book.save(path)
    report = run_import(org.manager_a, "customers", path)
    assert report.error_count == 0, report.errors
    assert Customer.objects.get(customer_no="C2001").mobile == "13812345678"


def test_every_bad_row_is_reported_and_nothing_is_loaded(org, tmp_path):
    bad = [
        GOOD[0],
        "C1002,李四,resident_id,310104198503070011,,SH0101,2019-03-01,\n",  # check digit
        f"C1003,赵五,resident_id,{ID_OUYANG},,NOPE,2019-03-01,\n",  # unknown outlet
        "C1001,王重复,passport,E12345678,,SH0101,2019-03-01,\n",  # duplicate number
        "C1004,钱六,passport,E7654321,,SH0101,2019-13-45,\n",  # wrong date
        'C1005,=HYPERLINK("x"),passport,E1111111,,SH0101,2019-03-01,\n',  # formula
        "C1006,孙七,passport,E2222222,,ZJ0101,2019-03-01,\n",  # outlet outside scope
    ]
    report = run_import(org.manager_a, "customers", write(tmp_path, HEADER + "".join(bad)))
    assert errors_of(report) == {
        (3, "id_number"),
        (4, "home_outlet"),
        (5, "customer_no"),
        (6, "became_customer_on"),
        (7, "name"),
        (8, "home_outlet"),
    }
    assert not report.committed
    assert not Customer.objects.exists()  # the good first row was not kept either


def test_valid_rows_load_only_when_the_user_asks_to_skip_the_bad_ones(org, tmp_path):
    # given a file with two good rows and two bad ones
    bad = [
        "C1003,李四,resident_id,310104198503070011,,SH0101,2019-03-01,\n",  # check digit
        "C1004,=1+1,passport,E7654321,,SH0101,2019-13-01,\n",  # two errors, one row
    ]
    path = write(tmp_path, HEADER + GOOD[0] + "".join(bad) + GOOD[1])

    # when loaded with skip_invalid
    report = run_import(org.manager_a, "customers", path, skip_invalid=True)

    # then the good rows are in, the bad ones are listed and counted once per row
    assert report.committed
    assert (report.created, report.error_count, report.skipped) == (2, 3, 2)
    assert errors_of(report) == {(3, "id_number"), (4, "name"), (4, "became_customer_on")}
    assert set(Customer.objects.values_list("customer_no", flat=True)) == {"C1001", "C1002"}
    assert AuditEvent.objects.get(action="import").detail == {
        "rows": 4, "created": 2, "updated": 0, "unchanged": 0, "skipped": 2,
    }  # fmt: skip


def test_skipping_also_covers_errors_only_the_database_finds(org, tmp_path):
    run_import(org.manager_a, "customers", write(tmp_path, HEADER + GOOD[0]))
    clash = f"C9999,别人,resident_id,{ID_ZHANG},,SH0101,2019-03-01,\n"  # C1001's document
    report = run_import(
        org.manager_a, "customers", write(tmp_path, HEADER + clash + GOOD[1]), skip_invalid=True
    )
    assert (report.created, report.skipped, errors_of(report)) == (1, 1, {(2, "id_number")})
    assert not Customer.objects.filter(customer_no="C9999").exists()


def test_dry_run_checks_everything_and_loads_nothing(org, tmp_path):
    report = run_import(
        org.manager_a, "customers", write(tmp_path, HEADER + "".join(GOOD)), dry_run=True
    )
    assert (report.error_count, report.created, report.committed) == (0, 2, False)
    assert not Customer.objects.exists()
    # checking reads personal data against the database, so it is audited (without counts)
    assert AuditEvent.objects.get(action="import").detail == {"rows": 2, "dry_run": True}
    # a conflict only the database can see is still found by the dry run
    run_import(org.manager_a, "customers", write(tmp_path, HEADER + GOOD[0]))
    clash = f"C9999,别人,resident_id,{ID_ZHANG},,SH0101,2019-03-01,\n"
    report = run_import(org.manager_a, "customers", write(tmp_path, HEADER + clash), dry_run=True)
    assert errors_of(report) == {(2, "id_number")}


def test_reimport_is_idempotent_and_updates_only_changes(org, tmp_path):
    path = write(tmp_path, HEADER + "".join(GOOD))
    run_import(org.manager_a, "customers", path)
    again = run_import(org.manager_a, "customers", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = write(tmp_path, HEADER + GOOD[0].replace("13812345678", "13700001111") + GOOD[1])
    third = run_import(org.manager_a, "customers", changed)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    wang = Customer.objects.get(customer_no="C1001")
    assert wang.mobile == "13700001111" and wang.version == 2
    assert Customer.objects.filter(mobile_index=wang.mobile_index).count() == 1  # re-indexed
    assert wang.history.count() == 2


def test_broken_encoding_and_unknown_columns_are_file_errors(org, tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_bytes(HEADER.encode() + b"\xff\xfe\xfa\x00broken\n")
    assert "UTF-8" in run_import(org.manager_a, "customers", broken).file_error
    typo = write(tmp_path, HEADER.replace("mobile", "mobil") + GOOD[0])
    assert "mobil" in run_import(org.manager_a, "customers", typo).file_error
    assert not Customer.objects.exists()


def test_holdings_refresh_aum_and_refuse_negative_deposits(org, tmp_path):
    run_import(org.manager_a, "customers", write(tmp_path, HEADER + "".join(GOOD)))
    head = "customer_no,product,account_number,balance,credit_limit,opened_on,status,closed_on\n"
    rows = [
        'C1001,demand-cny,31050161373600001234,"120,000.50",,2019-03-01,,\n',
        "C1001,loan-mortgage,31050161373600009999,-500000,,2019-03-01,,\n",
        "C1002,time-1y,31050161373600005555,-10,,2019-03-01,,\n",  # negative deposit
        "C1003,demand-cny,31050161373600006666,10,,2019-03-01,,\n",  # unknown customer
    ]
    report = run_import(org.manager_a, "holdings", write(tmp_path, head + "".join(rows)))
    assert errors_of(report) == {(4, "balance"), (5, "customer_no")}
    assert not Holding.objects.exists()
    report = run_import(org.manager_a, "holdings", write(tmp_path, head + "".join(rows[:2])))
    assert report.created == 2
    wang = Customer.objects.get(customer_no="C1001")
    assert str(wang.aum) == "120000.50" and wang.tier.code == "gold"


def test_transactions_are_idempotent_by_reference(org, tmp_path):
    run_import(org.manager_a, "customers", write(tmp_path, HEADER + "".join(GOOD)))
    head = "reference,customer_no,amount,direction,kind,channel,outlet,occurred_at\n"
    rows = (
        "T0001,C1001,500.00,credit,deposit,counter,SH0101,2026-01-05 10:00:00\n"
        "T0002,C1001,80.00,支,card_spend,pos,,2026-01-06 12:30:00\n"
    )
    path = write(tmp_path, head + rows)
    assert run_import(org.manager_a, "transactions", path).created == 2
    assert run_import(org.manager_a, "transactions", path).unchanged == 2
    assert Transaction.objects.count() == 2
    first = Transaction.objects.get(reference="T0001")
    assert first.occurred_at == datetime(2026, 1, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert (first.amount, first.outlet.code) == (Decimal("500.00"), "SH0101")
    assert Customer.objects.get(customer_no="C1001").last_activity_at.day == 6
    # an older transaction loaded later does not move the last activity back
    older = "T0000,C1001,1.00,credit,deposit,counter,,2025-12-31 09:00:00\n"
    assert run_import(org.manager_a, "transactions", write(tmp_path, head + older)).created == 1
    assert Customer.objects.get(customer_no="C1001").last_activity_at.day == 6
    assert Customer.objects.get(customer_no="C1002").last_activity_at is None
    bad = write(tmp_path, head + "T0003,C1001,-5,credit,deposit,counter,,2026-01-05 10:00\n")
    assert errors_of(run_import(org.manager_a, "transactions", bad)) == {(2, "amount")}


def test_command_line_import_reports_rows_and_refuses_bad_files(org, tmp_path):
    out = io.StringIO()
    call_command("import", "customers", str(write(tmp_path, HEADER + "".join(GOOD))), stdout=out)
    assert "2 of 2 rows loaded" in out.getvalue() and "2 new" in out.getvalue()
    bad = write(tmp_path, HEADER + "C3001,x,resident_id,123,,SH0101,2019-03-01,\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("import", "customers", str(bad), stderr=err)
    assert "row 2, column id_number" in err.getvalue()
    assert not Customer.objects.filter(customer_no="C3001").exists()


def test_command_line_skip_invalid_loads_the_rest_and_lists_the_skipped(org, tmp_path):
    path = write(tmp_path, HEADER + "C3001,x,resident_id,123,,SH0101,2019-03-01,\n" + GOOD[1])
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "customers", str(path), "--skip-invalid", stdout=out, stderr=err)
    assert "1 of 2 rows loaded" in out.getvalue()
    assert "1 rows with errors skipped" in out.getvalue()
    assert "row 2, column id_number" in err.getvalue() and "Skipped rows: 2" in err.getvalue()
    assert list(Customer.objects.values_list("customer_no", flat=True)) == ["C1002"]


def test_command_line_refuses_a_file_without_any_valid_row_and_mixed_modes(org, tmp_path):
    path = write(tmp_path, HEADER + "C3001,x,resident_id,123,,SH0101,2019-03-01,\n")
    with pytest.raises(CommandError, match="None of the 1 rows is valid"):
        call_command("import", "customers", str(path), "--skip-invalid", stderr=io.StringIO())
    with pytest.raises(CommandError, match="not allowed with"):
        call_command("import", "customers", str(path), "--skip-invalid", "--dry-run")
    assert not Customer.objects.exists()


def test_skipped_rows_are_all_named_in_ranges():
    assert row_ranges({3, 4, 5, 9, 11, 12}) == "3-5, 9, 11-12"
    assert row_ranges({7}) == "7"
    assert row_ranges(set()) == ""


def test_text_longer_than_its_column_is_a_row_error(org, tmp_path):
    head = "customer_no,name,id_type,id_number,home_outlet,became_customer_on,occupation\n"
    row = f"C5001,王五,passport,E5551234,SH0101,2019-03-01,{'工' * 61}\n"
    with translation.override("en"):
        report = run_import(org.manager_a, "customers", write(tmp_path, head + row))
    assert errors_of(report) == {(2, "occupation")}
    assert report.errors[0][2] == "At most 60 characters."


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2024-01-05", date(2024, 1, 5)),  # the fast path
        ("2024/01/05", date(2024, 1, 5)),
        ("20240105", date(2024, 1, 5)),
        ("2024-1-5", date(2024, 1, 5)),
    ],
)
def test_dates_are_read_in_every_accepted_form(typed, expected):
    assert parse_date(typed) == expected


@pytest.mark.parametrize("typed", ["2024-13-01", "2024-02-30", "05/01/2024", "soon"])
def test_impossible_dates_are_refused(typed):
    with pytest.raises(ValueError):
        parse_date(typed)


def test_times_are_local_wall_clock_times():
    shanghai = ZoneInfo("Asia/Shanghai")
    assert parse_datetime("2026-01-05 10:00:00") == datetime(2026, 1, 5, 10, tzinfo=shanghai)
    assert parse_datetime("2026/01/05 10:00:00") == datetime(2026, 1, 5, 10, tzinfo=shanghai)
    assert parse_datetime("2026-01-05") == datetime(2026, 1, 5, 0, tzinfo=shanghai)


def test_upload_page_runs_a_background_job_and_shows_its_errors(org, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    client = client_for(org.manager_a)
    upload = io.BytesIO(
        (HEADER + GOOD[0] + "C1009,x,resident_id,1,,SH0101,2019-03-01,\n").encode("gbk")
    )
    upload.name = "customers.csv"
    response = client.post(
        "/customers/imports/", {"kind": "customers", "file": upload, "mode": "all"}
    )
    job = ImportJob.objects.get()
    assert response["Location"] == f"/customers/imports/{job.uuid}/"
    assert (job.status, job.error_count, job.errors[0][:2]) == ("rejected", 1, [3, "id_number"])
    assert not list((tmp_path / "imports").iterdir())  # the upload (personal data) is gone
    page = client.get(response["Location"]).content.decode()
    assert "id_number" in page and "hx-trigger" not in page  # finished: polling stopped
    assert client_for(org.manager_b).get(response["Location"]).status_code == 404
    assert client_for(org.teller_a).get("/customers/imports/").status_code == 403


def test_upload_loading_valid_rows_only_reports_the_skipped_ones(org, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    client = client_for(org.manager_a)
    upload = io.BytesIO((HEADER + GOOD[0] + "C1009,x,resident_id,1,,SH0101,2019-03-01,\n").encode())
    upload.name = "customers.csv"

    response = client.post(
        "/customers/imports/", {"kind": "customers", "file": upload, "mode": "valid"}
    )

    job = ImportJob.objects.get()
    assert (job.status, job.skip_invalid, job.created_count, job.skipped_rows) == (
        "succeeded", True, 1, 1,
    )  # fmt: skip
    assert Customer.objects.filter(customer_no="C1001").exists()
    page = client.get(response["Location"]).content.decode()
    assert "已跳过 1 行有错误的数据" in page  # Simplified Chinese by default
    assert "<td>3</td><td>id_number</td>" in page
    assert job.skipped_ranges == "3"


def test_upload_of_valid_rows_only_without_any_valid_row_is_rejected(org, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    upload = io.BytesIO((HEADER + "C1009,x,resident_id,1,,SH0101,2019-03-01,\n").encode())
    upload.name = "customers.csv"
    client_for(org.manager_a).post(
        "/customers/imports/", {"kind": "customers", "file": upload, "mode": "valid"}
    )
    assert ImportJob.objects.get().status == "rejected"


def test_progress_partial_polls_while_running(org, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    job = ImportJob.objects.create(
        kind="customers",
        file_name="big.csv",
        stored_name="x.csv",
        branch=org.sh01,
        created_by=org.manager_a,
        status="running",
        total_rows=1000,
    )
    (tmp_path / "imports").mkdir()
    (tmp_path / "imports" / f"{job.uuid}.progress.json").write_text('{"done": 250, "total": 1000}')
    partial = client_for(org.manager_a).get(
        f"/customers/imports/{job.uuid}/", HTTP_HX_REQUEST="true"
    )
    html = partial.content.decode()
    assert 'value="25"' in html and 'hx-trigger="every 1s"' in html and "<html" not in html


def test_system_actor_may_import_for_any_outlet(org, tmp_path):
    row = f"C4001,周八,resident_id,{ID_ZHANG},,ZJ0101,2019-03-01,\n"
    assert run_import(SystemActor(), "customers", write(tmp_path, HEADER + row)).created == 1
