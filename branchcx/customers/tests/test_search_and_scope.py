from __future__ import annotations

from datetime import date

import pytest
from django.http import Http404

from branchcx.customers.access import customers_for_user, get_customer_for_user
from branchcx.customers.actions import do_create_customer
from branchcx.customers.queries import search

from .conftest import ID_OUYANG, ID_ZHANG


@pytest.fixture
def more(org, customer):
    do_create_customer(
        org.teller_a,
        customer_no="C0000002",
        home_outlet=org.sh0101,
        became_customer_on=date(2020, 1, 1),
        name="欧阳娜娜",
        id_number=ID_OUYANG,
        mobile="13900002222",
    )
    do_create_customer(
        org.teller_a,
        customer_no="C0000003",
        home_outlet=org.sh0101,
        became_customer_on=date(2021, 1, 1),
        name="张伟",
        id_type="passport",
        id_number="E12345678",
    )
    do_create_customer(
        org.teller_b,
        customer_no="C0000004",
        home_outlet=org.zj0101,
        became_customer_on=date(2021, 1, 1),
        name="张三丰",
        id_type="passport",
        id_number="E87654321",
    )


def found(user, text: str) -> list[str]:
    return sorted(search(customers_for_user(user), text).values_list("customer_no", flat=True))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", ["C0000001"]),
        ("+86 138-1234-5678", ["C0000001"]),
        (ID_ZHANG.lower(), ["C0000001"]),
        ("e1234 5678", ["C0000003"]),  # passport, typed loosely
        ("C0000002", ["C0000002"]),
        ("张三丰", ["C0000001"]),  # full name, exact
        ("张 三丰", ["C0000001"]),
        ("张", ["C0000001", "C0000003"]),  # a surname alone finds the family
        ("欧阳", ["C0000002"]),  # compound surname
        ("张三", []),  # no prefix search on names: by design
        ("", []),
    ],
)
def test_counter_search_finds_exactly(org, more, text, expected):
    assert found(org.teller_a, text) == expected


def test_search_never_crosses_the_outlet(org, more):
    # 张三丰 exists in both outlets; each teller finds only their own
    assert found(org.teller_a, "张三丰") == ["C0000001"]
    assert found(org.teller_b, "张三丰") == ["C0000004"]
    assert found(org.manager_a, "张") == ["C0000001", "C0000003"]
    assert found(org.head_office, "张三丰") == ["C0000001", "C0000004"]


def test_customer_of_another_outlet_is_not_found(org, customer):
    assert get_customer_for_user(org.teller_a, customer.uuid) == customer
    with pytest.raises(Http404):
        get_customer_for_user(org.teller_b, customer.uuid)
    with pytest.raises(Http404):
        get_customer_for_user(org.teller_a, "not-a-uuid")
