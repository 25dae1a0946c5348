"""Rows written by the bulk loader are stored exactly as ``save()`` stores them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from branchcx.customers.models import Customer
from branchcx.lib.bulkload import HistoryLoader, Loader, update_later

PERSONAL = {"name", "id_number", "mobile", "email", "address"}  # random nonces: compared decrypted
OWN = {"id", "uuid", "customer_no"}


def raw_row(pk: int) -> dict[str, object]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM customers_customer WHERE id = %s", [pk])
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def test_a_loaded_customer_is_stored_as_save_would_store_it(org):
    now = timezone.now()
    values = {
        "name": "欧阳娜娜",
        "id_type": "passport",
        "id_number": "E12345678",
        "mobile": "13900002222",
        "email": "nana@example.com",
        "address": "杭州市西湖区",
        "gender": "female",
        "birth_date": date(1990, 5, 6),
        "home_outlet_id": org.sh0101.pk,
        "marketing_consent": True,
        "marketing_consent_at": datetime(2024, 3, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        "became_customer_on": date(2020, 1, 2),
        "aum": Decimal("12.50"),
    }
    saved = Customer(customer_no="S1", **values)
    saved.save()
    Customer.objects.filter(pk=saved.pk).update(created_at=now, updated_at=now)

    loader = Loader(Customer)
    prepared = loader.prepare({"customer_no": "L1", **values}, now)
    loader.insert([prepared])
    loaded = Customer.objects.get(customer_no="L1")

    ours, theirs = raw_row(loaded.pk), raw_row(saved.pk)
    for column, value in theirs.items():
        if column not in PERSONAL | OWN:
            assert ours[column] == value, column
    for field in PERSONAL:
        assert getattr(loaded, field) == getattr(saved, field), field
    assert loaded.mobile_index == saved.mobile_index and loaded.name_index is not None
    assert loaded.uuid != saved.uuid  # each row its own


def test_history_rows_reuse_the_ciphertext_and_read_back(org):
    now = timezone.now()
    loader, history = Loader(Customer), HistoryLoader(Customer)
    prepared = loader.prepare(
        {
            "customer_no": "L2",
            "name": "王小明",
            "id_number": "E7654321",
            "id_type": "passport",
            "home_outlet_id": org.sh0101.pk,
            "became_customer_on": date(2021, 1, 1),
        },
        now,
    )
    loader.insert([prepared])
    pk = Customer.objects.get(customer_no="L2").pk
    history.insert(history.rows_for([(pk, prepared)], org.manager_a.pk, now))

    (record,) = Customer.history.filter(id=pk)
    assert (record.history_type, record.history_user, record.name) == ("+", org.manager_a, "王小明")
    assert record.history_date == now


def test_update_later_only_moves_times_forward(org, customer):
    early = datetime(2026, 1, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    late = datetime(2026, 2, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    Customer.objects.filter(pk=customer.pk).update(last_activity_at=late)

    assert update_later(Customer, "last_activity_at", [(customer.pk, early)]) == 0
    customer.refresh_from_db()
    assert customer.last_activity_at == late

    later = datetime(2026, 3, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert update_later(Customer, "last_activity_at", [(customer.pk, later)]) == 1
    customer.refresh_from_db()
    assert customer.last_activity_at == later
