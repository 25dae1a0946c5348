"""The JR/T 0169 classification ships as reference data head office can correct."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from branchcx.complaints.models import Classification


def names(axis: str) -> list[str]:
    return list(Classification.objects.filter(axis=axis).values_list("name", flat=True))


def test_the_three_axes_and_the_card_sub_reasons_are_loaded(db):
    assert len(names("business")) == 14 and names("business")[0] == "人民币储蓄"
    assert "债务催收方式和手段" in names("cause") and len(names("cause")) == 13
    assert names("card_reason") == ["征信", "息费", "分期", "催收"]
    assert Classification.objects.filter(axis="channel").exists()
    # every code has an English name for the English interface
    assert not Classification.objects.filter(name_en="").exists()


def test_a_code_is_unique_on_its_axis_only(db):
    Classification.objects.create(axis="cause", code="50", name="银行自定义原因")
    with pytest.raises(IntegrityError), transaction.atomic():
        Classification.objects.create(axis="cause", code="50", name="重复")
    # the same code on another axis is fine (codes are per axis in the standard)
    Classification.objects.create(axis="business", code="50", name="银行自定义业务")


def test_head_office_keeps_the_codes_and_everyone_filing_complaints_reads_them(org):
    assert org.head_office.has_perm("complaints.change_classification")
    assert not org.manager_a.has_perm("complaints.change_classification")
    assert org.teller_a.has_perm("complaints.view_classification")
    assert org.auditor.has_perm("complaints.view_classification")
