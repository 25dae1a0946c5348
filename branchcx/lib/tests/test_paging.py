"""Pagination that stays cheap on large tables."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from branchcx.lib.paging import CappedPaginator
from branchcx.org.models import Branch


def test_counting_stops_at_the_cap_and_says_so(org):
    branches = Branch.objects.order_by("code")
    total = branches.count()
    assert total > 3

    capped = CappedPaginator(branches, 1, cap=2)

    assert (capped.count, capped.capped, capped.num_pages) == (2, True, 2)
    assert [b.code for b in capped.page(2).object_list] == [branches[1].code]
    with translation.override("en"):
        html = render_to_string("web/_pagination.html", {"page": capped.page(1), "query": ""})
    assert "Page 1 of more than 2" in html


def test_below_the_cap_the_count_is_exact(org):
    branches = Branch.objects.order_by("code")
    paginator = CappedPaginator(branches, 1, cap=100)
    assert (paginator.count, paginator.capped) == (branches.count(), False)
    with translation.override("en"):
        html = render_to_string("web/_pagination.html", {"page": paginator.page(1), "query": ""})
    assert f"Page 1 of {paginator.num_pages}<" in html


def test_a_cap_that_is_not_a_whole_number_of_pages_is_refused(db):
    with pytest.raises(ValueError):
        CappedPaginator(Branch.objects.all(), 50, cap=120)
