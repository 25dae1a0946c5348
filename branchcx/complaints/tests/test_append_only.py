"""What was recorded for a complaint stays as recorded: what the customer said, decisions,
notifications, attachments, recusals and revisits. The models, their querysets and the
database (migration 0008) refuse changes, except the ones the workflow makes later once
(a decision's approval, a revisit's call-back), and key rotation still reseals everything."""

from __future__ import annotations

import importlib
import os
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from branchcx.audit.models import AppendOnlyError
from branchcx.complaints.actions import do_register_complaint
from branchcx.complaints.models import (
    Attachment,
    Complaint,
    Decision,
    Grievance,
    Notification,
    Recusal,
    Revisit,
    RootCause,
    TimelineEntry,
)
from branchcx.lib import crypto

SAID = "信用卡分期手续费比宣传的高，要求退还。"
# the append-only columns as of the latest migration that recreated the triggers
RECORDS = importlib.import_module(
    "branchcx.complaints.migrations.0011_sealed_descriptions_kept_grievances"
)


@pytest.fixture
def complaint(org):
    return do_register_complaint(
        org.teller_a,
        outlet=org.sh0101,
        intake_channel="counter",
        complainant_name="王五",
        narrative=SAID,
    )


@pytest.fixture
def records(org, complaint):
    """One record of each append-only kind, as the actions create them."""
    staff = org.staff(org.manager_a)
    return {
        "decision": Decision.objects.create(
            complaint=complaint, kind="decision", outcome="upheld", findings="未明示费率。",
            basis="合同第5条", root_cause=RootCause.objects.get(code="S03"), remedy="退费。",
            compensation=Decimal("9000.00"), decided_by=staff, needs_approval=True,
        ),
        "notification": Notification.objects.create(
            complaint=complaint, kind="decision", method="sms", sent_at=timezone.now(),
            content="处理决定：退还手续费。", proof="SMS-0001", recorded_by=staff,
        ),
        "attachment": Attachment.objects.create(
            complaint=complaint, filename="回执.png", content_type="image/png", size=3,
            sha256="0" * 64, content="AAAA", description="王五的存款回执，账号尾号 0123",
            uploaded_by=staff,
        ),
        "recusal": Recusal.objects.create(
            complaint=complaint, staff=org.staff(org.teller_a), reason="客户是我的亲属。"
        ),
        "revisit": Revisit.objects.create(
            complaint=complaint, due_on=timezone.localdate(), assigned_to=staff
        ),
    }  # fmt: skip


def raw(table: str, column: str, pk: int) -> str:
    """A stored value as the database holds it (ciphertext for sealed columns)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def raw_update(table: str, assignment: str, pk: int, *params: object) -> None:
    """An UPDATE written around the application, in its own savepoint."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {assignment} WHERE id = %s", [*params, pk])  # noqa: S608


# --- what the customer said ----------------------------------------------------------------------


def test_a_complaint_loaded_without_its_narrative_cannot_be_given_another(complaint):
    # given: the complaint loaded without what the customer said
    partial = Complaint.objects.only("id", "priority").get(pk=complaint.pk)
    # when: a narrative is set on it and saved
    partial.narrative = "客户说没问题了。"
    # then: the save is refused and the words stay
    with pytest.raises(AppendOnlyError):
        partial.save()
    assert Complaint.objects.get(pk=complaint.pk).narrative == SAID


def test_the_same_words_set_on_a_partly_loaded_complaint_save_normally(complaint):
    # given: the complaint loaded without its narrative, then given the same words
    partial = Complaint.objects.only("id", "priority").get(pk=complaint.pk)
    partial.narrative, partial.priority = SAID, "high"
    # when
    partial.save()
    # then: the other change is saved, the words are as said
    saved = Complaint.objects.get(pk=complaint.pk)
    assert (saved.priority, saved.narrative) == ("high", SAID)


def test_a_bulk_update_cannot_rewrite_what_the_customer_said(complaint):
    # when / then: a queryset update, or a bulk update, naming the narrative is refused
    with pytest.raises(AppendOnlyError):
        Complaint.objects.filter(pk=complaint.pk).update(narrative="改写")
    complaint.narrative = "改写"
    with pytest.raises(AppendOnlyError), transaction.atomic():  # bulk_update's own atomic
        Complaint.objects.bulk_update([complaint], ["narrative"])
    assert Complaint.objects.get(pk=complaint.pk).narrative == SAID


def test_other_fields_of_a_complaint_still_change(complaint):
    # given: the stored ciphertext of what the customer said
    sealed = raw("complaints_complaint", "narrative", complaint.pk)
    # when: the complaint is saved whole, and updated in bulk as the escalation sweep does
    loaded = Complaint.objects.get(pk=complaint.pk)
    loaded.priority = "high"
    loaded.save()
    Complaint.objects.filter(pk=complaint.pk).update(escalation=1)
    # then: the changes are saved and the narrative column was not written again
    saved = Complaint.objects.get(pk=complaint.pk)
    assert (saved.priority, saved.escalation, saved.narrative) == ("high", 1, SAID)
    assert raw("complaints_complaint", "narrative", complaint.pk) == sealed


def test_the_database_refuses_to_rewrite_what_the_customer_said(complaint):
    # when: SQL around the application writes other words, or the same words sealed again
    for words in ("客户说没问题了。", SAID):
        forged = crypto.encrypt(words, "complaint.narrative")
        # then: the database refuses
        with pytest.raises(DatabaseError):
            raw_update("complaints_complaint", "narrative = %s", complaint.pk, forged)
    assert Complaint.objects.get(pk=complaint.pk).narrative == SAID


# --- decisions, notifications, attachments, recusals, revisits ------------------------------------


@pytest.mark.parametrize("kind", ["decision", "notification", "attachment", "recusal", "revisit"])
def test_records_cannot_be_changed_or_deleted_through_the_models(records, kind):
    record = records[kind]
    model = type(record)
    # when / then: bulk writes and deletes are refused, through the complaint as well
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=record.pk).update(complaint=record.complaint)
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=record.pk).delete()
    with pytest.raises(AppendOnlyError):
        record.delete()
    related = model._meta.get_field("complaint").remote_field.related_name
    with pytest.raises(AppendOnlyError):
        getattr(record.complaint, related).all().delete()
    assert model.objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("decision", "findings", "另有发现。"),
        ("decision", "compensation", Decimal("1.00")),
        ("notification", "proof", "SMS-9999"),
        ("notification", "content", "另一种说法。"),
        ("attachment", "description", "换一张"),
        ("recusal", "reason", "没有利益关系。"),
        ("revisit", "due_on", timezone.localdate() + timedelta(days=30)),
    ],
)
def test_a_saved_record_cannot_be_changed(records, kind, field, value):
    record = records[kind]
    # when: a field the workflow never changes later is changed and saved
    setattr(record, field, value)
    # then: the save is refused, also when it names the field, and the record stays
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.save(update_fields=[field])
    stored = type(record).objects.get(pk=record.pk)
    assert getattr(stored, field) != value


def test_a_decision_is_approved_once_and_then_stays(org, records):
    decision = records["decision"]
    approver = org.staff(org.head_office)
    # when: the approval is recorded as do_approve_decision does
    decision.approved_by, decision.approved_at = approver, timezone.now()
    decision.save(update_fields=["approved_by", "approved_at"])
    # then: it is saved; a second approval, or undoing it, is refused
    assert Decision.objects.get(pk=decision.pk).approved_by == approver
    decision.approved_by = org.staff(org.manager_b)
    with pytest.raises(AppendOnlyError):
        decision.save(update_fields=["approved_by", "approved_at"])
    decision.approved_by, decision.approved_at = None, None
    with pytest.raises(AppendOnlyError):
        decision.save()
    assert Decision.objects.get(pk=decision.pk).approved_by == approver


def test_a_decision_that_needs_no_approval_cannot_be_given_one(org, records):
    # given: a decision without large compensation
    decision = records["decision"]
    small = Decision.objects.create(
        complaint=decision.complaint, kind="decision", outcome="upheld", findings="f",
        basis="b", root_cause=decision.root_cause, remedy="r", decided_by=decision.decided_by,
    )  # fmt: skip
    # when / then: an approval is refused
    small.approved_by, small.approved_at = org.staff(org.head_office), timezone.now()
    with pytest.raises(AppendOnlyError):
        small.save(update_fields=["approved_by", "approved_at"])


def test_a_revisit_is_recorded_once_and_then_stays(records):
    revisit = records["revisit"]
    # when: the call-back is recorded as do_record_revisit does
    revisit.done_at, revisit.method, revisit.satisfaction = timezone.now(), "phone", 5
    revisit.note = "很满意。"
    revisit.save(update_fields=["done_at", "method", "satisfaction", "note"])
    # then: it is saved; changing what the customer said afterwards is refused
    assert Revisit.objects.get(pk=revisit.pk).note == "很满意。"
    revisit.satisfaction, revisit.note = 1, "其实不满意。"
    with pytest.raises(AppendOnlyError):
        revisit.save(update_fields=["satisfaction", "note"])
    stored = Revisit.objects.get(pk=revisit.pk)
    assert (stored.satisfaction, stored.note) == (5, "很满意。")


@pytest.mark.parametrize(
    ("table", "kind", "assignment", "value"),
    [
        ("complaints_decision", "decision", "outcome = %s", "rejected"),
        ("complaints_notification", "notification", "proof = %s", "FORGED"),
        ("complaints_attachment", "attachment", "sha256 = %s", "f" * 64),
        ("complaints_revisit", "revisit", "due_on = %s", timezone.localdate() + timedelta(30)),
    ],
)
def test_the_database_refuses_to_change_a_record(records, table, kind, assignment, value):
    # when / then: SQL around the application changes a column the workflow never changes
    with pytest.raises(DatabaseError):
        raw_update(table, assignment, records[kind].pk, value)


@pytest.mark.parametrize(
    ("table", "kind", "column", "purpose"),
    [
        ("complaints_decision", "decision", "findings", "decision.findings"),
        ("complaints_notification", "notification", "content", "complaint.notice"),
        ("complaints_attachment", "attachment", "content", "attachment.content"),
        ("complaints_recusal", "recusal", "reason", "complaint.recusal"),
        ("complaints_attachment", "attachment", "description", "attachment.description"),
    ],
)
def test_the_database_refuses_other_sealed_text(records, table, kind, column, purpose):
    # when: text sealed with the application's own key is written around it
    forged = crypto.encrypt("改写的内容", purpose)
    # then: refused; only a value sealed under another key (key rotation) gets through
    with pytest.raises(DatabaseError):
        raw_update(table, f"{column} = %s", records[kind].pk, forged)
    with pytest.raises(DatabaseError):
        raw_update(table, f"{column} = %s", records[kind].pk, "not sealed")


def test_the_database_lets_a_decision_be_approved_and_a_revisit_done_once(org, records):
    decision, revisit = records["decision"], records["revisit"]
    approver = org.staff(org.head_office).pk
    # when: approved and called back, around the application
    raw_update("complaints_decision", "approved_by_id = %s, approved_at = %s", decision.pk,
               approver, timezone.now())  # fmt: skip
    note = crypto.encrypt("满意。", "complaint.revisit")
    raw_update("complaints_revisit", "done_at = %s, satisfaction = %s, note = %s", revisit.pk,
               timezone.now(), 5, note)  # fmt: skip
    # then: a second time is refused
    with pytest.raises(DatabaseError):
        raw_update("complaints_decision", "approved_at = %s", decision.pk, timezone.now())
    with pytest.raises(DatabaseError):
        raw_update("complaints_revisit", "satisfaction = %s", revisit.pk, 1)
    assert Revisit.objects.get(pk=revisit.pk).satisfaction == 5


@pytest.mark.parametrize(
    "table",
    ["complaints_decision", "complaints_notification", "complaints_attachment",
     "complaints_recusal", "complaints_revisit"],
)  # fmt: skip
def test_postgresql_refuses_to_delete_a_record(records, table):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's test flush deletes rows: there the models refuse deletes")
    pk = next(r.pk for r in records.values() if r._meta.db_table == table)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])  # noqa: S608


@pytest.mark.parametrize("model", [Decision, Notification, Attachment, Recusal, Revisit, Grievance])
def test_the_trigger_names_every_column_of_the_record(model):
    # A column added later is guarded only once a migration recreates the trigger with it.
    plain, sealed, later, _when = RECORDS.RECORDS[model._meta.db_table]
    columns = {f.column for f in model._meta.concrete_fields}
    encrypted = {f.column for f in crypto.encrypted_fields(model)}
    assert set(plain) | set(sealed) | set(later) == columns
    assert set(sealed) | (set(later) & RECORDS.LATER_SEALED) == encrypted


def test_an_attachment_description_is_sealed_at_rest(records):
    attachment = records["attachment"]
    stored = raw("complaints_attachment", "description", attachment.pk)
    assert stored.startswith("v1:") and "王五" not in stored and "0123" not in stored
    assert Attachment.objects.get(pk=attachment.pk).description == "王五的存款回执，账号尾号 0123"


# --- the voice of the customer (grievances) --------------------------------------------------


@pytest.fixture
def grievance(org):
    from branchcx.complaints.actions import do_record_grievance

    return do_record_grievance(org.teller_a, outlet=org.sh0101, source="remark",
                               text="排队太久了，每次都要等一个小时。")  # fmt: skip


def test_a_grievance_is_kept_as_said_through_the_models(grievance):
    grievance.text = "服务很好。"
    with pytest.raises(AppendOnlyError):
        grievance.save()
    with pytest.raises(AppendOnlyError):
        Grievance.objects.filter(pk=grievance.pk).update(text="服务很好。")
    with pytest.raises(AppendOnlyError):
        grievance.delete()
    with pytest.raises(AppendOnlyError):
        Grievance.objects.filter(pk=grievance.pk).delete()
    assert Grievance.objects.get(pk=grievance.pk).text == "排队太久了，每次都要等一个小时。"


def test_a_grievance_is_promoted_once(org, grievance):
    from branchcx.audit.models import AppendOnlyError as Refused
    from branchcx.complaints.actions import do_promote_grievance

    complaint = do_promote_grievance(org.teller_a, grievance, intake_channel="counter",
                                     complainant_name="赵六")  # fmt: skip
    stored = Grievance.objects.get(pk=grievance.pk)
    assert stored.promoted_to == complaint and complaint.narrative == stored.text
    other = do_register_complaint(org.teller_a, outlet=org.sh0101, intake_channel="counter",
                                  complainant_name="钱七", narrative="另一件事。")  # fmt: skip
    stored.promoted_to = other
    with pytest.raises(Refused):
        stored.save()
    assert Grievance.objects.get(pk=grievance.pk).promoted_to == complaint


def test_the_database_keeps_a_grievance_as_said(org, grievance):
    # when: the words are rewritten around the application (sealed with our key, or plain)
    with pytest.raises(DatabaseError):
        raw_update("complaints_grievance", "text = %s", grievance.pk,
                   crypto.encrypt("服务很好。", "grievance.text"))  # fmt: skip
    with pytest.raises(DatabaseError):
        raw_update("complaints_grievance", "source = %s", grievance.pk, "other")
    # then: promoting it still works, once
    first = do_register_complaint(org.teller_a, outlet=org.sh0101, intake_channel="counter",
                                  complainant_name="赵六", narrative="排队太久。")  # fmt: skip
    raw_update("complaints_grievance", "promoted_to_id = %s", grievance.pk, first.pk)
    second = do_register_complaint(org.teller_a, outlet=org.sh0101, intake_channel="counter",
                                   complainant_name="钱七", narrative="另一件事。")  # fmt: skip
    with pytest.raises(DatabaseError):
        raw_update("complaints_grievance", "promoted_to_id = %s", grievance.pk, second.pk)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM complaints_grievance WHERE id = %s", [grievance.pk])


# --- key rotation ---------------------------------------------------------------------------------


def test_key_rotation_reseals_every_complaint_record(org, complaint, records, grievance, settings):
    # given: every kind of record, a completed revisit and a timeline note, under the old key
    revisit = records["revisit"]
    revisit.done_at, revisit.method, revisit.satisfaction = timezone.now(), "phone", 4
    revisit.note = "还可以。"
    revisit.save(update_fields=["done_at", "method", "satisfaction", "note"])
    TimelineEntry.objects.create(complaint=complaint, kind="note", text="客户来电询问进度。")
    old_ring = settings.BRANCHCX_ENCRYPTION_KEYS
    # when: a new key is put first and rotate-keys runs
    settings.BRANCHCX_ENCRYPTION_KEYS = [("rotated", os.urandom(32)), *old_ring]
    call_command("rotate_keys", stdout=StringIO())
    # then: everything reads with the new key alone, unchanged
    settings.BRANCHCX_ENCRYPTION_KEYS = settings.BRANCHCX_ENCRYPTION_KEYS[:1]
    assert raw("complaints_complaint", "narrative", complaint.pk).startswith("v1:rotated:")
    assert Complaint.objects.get(pk=complaint.pk).narrative == SAID
    assert Decision.objects.get(pk=records["decision"].pk).findings == "未明示费率。"
    assert (
        Notification.objects.get(pk=records["notification"].pk).content == "处理决定：退还手续费。"
    )
    assert Attachment.objects.get(pk=records["attachment"].pk).filename == "回执.png"
    assert Attachment.objects.get(pk=records["attachment"].pk).description.startswith("王五")
    assert Grievance.objects.get(pk=grievance.pk).text == "排队太久了，每次都要等一个小时。"
    assert Recusal.objects.get(pk=records["recusal"].pk).reason == "客户是我的亲属。"
    assert Revisit.objects.get(pk=revisit.pk).note == "还可以。"
    assert "客户来电询问进度。" in [e.text for e in complaint.timeline.all()]
