from __future__ import annotations

import json
import logging
import stat
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from branchcx.messaging import tasks
from branchcx.messaging.actions import deliver_pending, enqueue
from branchcx.messaging.adapters import DeliveryError, FileSmsAdapter
from branchcx.messaging.models import OutboxMessage

MOBILE = "13812345678"
TEXT = "感谢您今天光临浦东支行，请为我们的服务打分：https://bcx.example/s/abc"


def queue_sms(text: str = TEXT) -> OutboxMessage:
    return enqueue(channel="sms", recipient=MOBILE, body=text, purpose="survey_invitation")


def sms_lines(data_dir) -> list[dict]:
    path = data_dir / "outbox" / f"sms-{timezone.localdate():%Y-%m-%d}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_file_adapter_writes_the_sms_as_a_json_line_and_marks_it_sent(db, data_dir):
    # given a queued SMS
    message = queue_sms()

    # when the outbox is delivered
    counts = deliver_pending()

    # then today's SMS file holds it, whole, and the row says sent
    assert counts == {"sent": 1, "retrying": 0, "failed": 0}
    assert sms_lines(data_dir) == [
        {
            "uuid": str(message.uuid),
            "recipient": MOBILE,
            "subject": "",
            "body": TEXT,
            "created_at": message.created_at.isoformat(),
        }
    ]
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.sent_at is not None
    assert message.attempts == 1 and message.last_error == ""


def test_a_sent_message_is_not_sent_again(db, data_dir):
    # given an outbox delivered once
    queue_sms()
    deliver_pending()

    # when the worker runs again
    counts = deliver_pending()

    # then nothing more is sent
    assert counts == {"sent": 0, "retrying": 0, "failed": 0}
    assert len(sms_lines(data_dir)) == 1


def test_the_sms_file_is_readable_by_its_owner_only(db, data_dir):
    queue_sms()

    deliver_pending()

    folder = data_dir / "outbox"
    (path,) = folder.glob("sms-*.jsonl")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_the_oldest_messages_go_first_within_the_limit(db, data_dir):
    # given three queued messages
    first, second, third = (queue_sms(f"message {n}") for n in (1, 2, 3))

    # when the worker may send two
    counts = deliver_pending(limit=2)

    # then the two oldest are sent and the newest waits
    assert counts["sent"] == 2
    assert [line["uuid"] for line in sms_lines(data_dir)] == [str(first.uuid), str(second.uuid)]
    third.refresh_from_db()
    assert third.status == OutboxMessage.Status.QUEUED


def test_a_failing_gateway_is_retried_then_given_up_on(db, data_dir, settings, monkeypatch):
    # given a gateway that refuses everything, and three attempts allowed
    settings.BRANCHCX_OUTBOX_MAX_ATTEMPTS = 3

    def refuse(self, message):
        raise DeliveryError("gateway answered 503")

    monkeypatch.setattr(FileSmsAdapter, "send", refuse)
    message = queue_sms()

    # when the worker runs twice, the message is retried with its error noted
    assert deliver_pending() == {"sent": 0, "retrying": 1, "failed": 0}
    assert deliver_pending() == {"sent": 0, "retrying": 1, "failed": 0}
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.QUEUED
    assert message.attempts == 2
    assert message.last_error == "gateway answered 503"

    # and the third failure gives up on it, after which it is left alone
    assert deliver_pending() == {"sent": 0, "retrying": 0, "failed": 1}
    assert deliver_pending() == {"sent": 0, "retrying": 0, "failed": 0}
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert message.attempts == 3 and message.sent_at is None
    assert sms_lines(data_dir) == []


def test_an_adapter_bug_is_recorded_without_its_text_and_does_not_stop_the_queue(
    db, data_dir, monkeypatch
):
    # given an adapter that crashes on the first message with the number in its error
    original = FileSmsAdapter.send

    def crash_on_first(self, message):
        if message.body == "first":
            raise KeyError(f"no route for {message.recipient}")
        original(self, message)

    monkeypatch.setattr(FileSmsAdapter, "send", crash_on_first)
    first, second = queue_sms("first"), queue_sms("second")

    # when the outbox is delivered
    counts = deliver_pending()

    # then the second message still goes, and the error names the failure, not the number
    assert counts == {"sent": 1, "retrying": 1, "failed": 0}
    first.refresh_from_db()
    assert first.last_error == "unexpected KeyError"
    assert [line["uuid"] for line in sms_lines(data_dir)] == [str(second.uuid)]


def test_console_adapter_logs_one_masked_line_and_never_the_text(db, settings, caplog, data_dir):
    # given the console SMS backend
    settings.BRANCHCX_SMS_BACKEND = "console"
    message = queue_sms()

    # when the outbox is delivered
    with caplog.at_level(logging.INFO, logger="branchcx.messaging"):
        counts = deliver_pending()

    # then one line names the message and the masked number, and holds nothing else of it
    assert counts["sent"] == 1
    (record,) = [r for r in caplog.records if r.name == "branchcx.messaging.adapters"]
    line = record.getMessage()
    assert str(message.uuid) in line and "sms" in line
    assert "138****5678" in line
    logged = caplog.text
    assert MOBILE not in logged and "浦东支行" not in logged and "bcx.example" not in logged
    # and no file is written
    assert sms_lines(data_dir) == []


def test_the_command_delivers_and_prints_the_counts(db, data_dir):
    queue_sms()
    queue_sms()
    out = StringIO()

    call_command("outbox", "deliver", "--limit", "1", stdout=out)

    assert out.getvalue().strip() == "sent=1 retrying=0 failed=0"
    assert len(sms_lines(data_dir)) == 1


def test_the_periodic_task_delivers_the_outbox(db, data_dir):
    # given a queued SMS (huey runs tasks inline in tests)
    message = queue_sms()

    # when the minute's task runs
    tasks.deliver_outbox()

    # then the message is sent (huey keeps no results of periodic tasks)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_the_command_refuses_a_limit_below_one(db, limit):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("outbox", "deliver", "--limit", limit)
