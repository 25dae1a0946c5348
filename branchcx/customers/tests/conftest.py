from __future__ import annotations

from datetime import date

import pytest

from branchcx.customers.actions import do_create_customer
from branchcx.customers.models import Customer

# A checksum-valid resident ID (Xuhui district, born 1985-03-07) and a second one.
ID_ZHANG = "31010419850307001X"
ID_OUYANG = "11010519491231002X"


@pytest.fixture
def customer(org) -> Customer:
    """张三丰 of outlet SH0101, created by its teller."""
    return do_create_customer(
        org.teller_a,
        customer_no="C0000001",
        home_outlet=org.sh0101,
        became_customer_on=date(2015, 6, 1),
        name="张三丰",
        id_type="resident_id",
        id_number=ID_ZHANG,
        mobile="13812345678",
        email="Zhang.SF@example.com",
        address="上海市浦东新区世纪大道100号",
    )
