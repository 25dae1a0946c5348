"""The ``branchcx surveys`` command: rules, lobby codes with their QR code, distributing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from branchcx.surveys.models import DistributionRule, FeedbackCode


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("surveys", *args, stdout=out)
    return out.getvalue()


def test_a_feedback_code_prints_its_url_writes_its_qr_and_retires_the_old_one(org, tmp_path):
    svg = tmp_path / "stand.svg"
    first = run("lobby-code", "--survey", "post-visit", "--outlet", "SH0101", "--svg", str(svg))
    assert svg.read_text().startswith("<svg") and "QR code" in first
    run("lobby-code", "--survey", "post-visit", "--outlet", "SH0101", "--svg", str(svg))
    old, new = FeedbackCode.objects.order_by("pk")
    assert (old.is_active, new.is_active) == (False, True)
    # the printed URL opens the survey; the old print no longer does
    path = "/" + first.splitlines()[0].split("/", 3)[3]
    assert Client().get(path).status_code == 404
    assert Client().get(f"/s/q/{new.code}/").status_code == 200


def test_a_rule_is_added_and_bad_options_are_refused_with_the_reason(org):
    out = run("add-rule", "--survey", "post-visit", "--unit", "SH01", "--trigger",
              "transaction", "--kinds", "withdrawal,deposit", "--sample", "20")  # fmt: skip
    rule = DistributionRule.objects.get()
    assert (rule.transaction_kinds, rule.sample_percent, rule.daily_quota) == (
        ["deposit", "withdrawal"],
        20,
        50,
    )
    assert str(rule.uuid) in out
    with pytest.raises(CommandError, match="transaction_kinds"):
        run("add-rule", "--survey", "post-visit", "--unit", "SH01", "--trigger", "transaction")
    with pytest.raises(CommandError, match="sample_percent"):
        run("add-rule", "--survey", "post-visit", "--unit", "SH01", "--trigger",
            "complaint_closed", "--sample", "0")  # fmt: skip
    assert DistributionRule.objects.count() == 1


def test_distribute_reports_what_it_did(org):
    assert run("distribute").strip() == "invited=0 no_address=0 over_quota=0"
