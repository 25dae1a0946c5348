from __future__ import annotations

import smtplib

from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from branchcx.messaging.actions import deliver_pending, enqueue
from branchcx.messaging.models import OutboxMessage

ADDRESS = "zhang.sf@example.com"
TEXT = "张三丰先生：您的投诉（编号 TS2026000123）已处理完毕，处理意见见附件。"


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses the recipient, quoting the address as real servers do."""

    def send_messages(self, email_messages):
        address = email_messages[0].to[0]
        raise smtplib.SMTPRecipientsRefused({address: (550, f"5.1.1 <{address}> unknown".encode())})


class SilentServerBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise TimeoutError("timed out")


def queue_email() -> OutboxMessage:
    return enqueue(
        channel="email",
        recipient=ADDRESS,
        subject="投诉处理结果",
        body=TEXT,
        purpose="decision_letter",
    )


def test_email_goes_through_djangos_mail_backend(db, settings):
    # given Django's in-memory mail backend and a queued email
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "客服中心 <service@bank.example>"
    message = queue_email()

    # when the outbox is delivered
    counts = deliver_pending()

    # then one email went out, from the bank, with the queued subject and text
    assert counts["sent"] == 1
    (sent,) = mail.outbox
    assert sent.to == [ADDRESS]
    assert sent.from_email == "客服中心 <service@bank.example>"
    assert sent.subject == "投诉处理结果"
    assert sent.body == TEXT
    assert sent.extra_headers["Message-ID"] == f"<{message.uuid}@bank.example>"
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT


def test_embedded_mode_writes_emails_to_the_outbox_folder(db, settings, data_dir):
    # given the default file backend
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    queue_email()

    # when the outbox is delivered
    deliver_pending()

    # then the email is a file an operator can read
    (path,) = (data_dir / "outbox" / "email").iterdir()
    assert ADDRESS in path.read_text(encoding="utf-8")


def test_a_refused_recipient_is_recorded_without_the_address(db, settings):
    # given a mail server that refuses the address and quotes it back
    settings.EMAIL_BACKEND = "branchcx.messaging.tests.test_email.RefusingBackend"
    message = queue_email()

    # when the outbox is delivered
    counts = deliver_pending()

    # then the failure is kept for a retry, in words that do not repeat the address
    assert counts["retrying"] == 1
    message.refresh_from_db()
    assert message.last_error == "the mail server refused the recipient"
    assert "zhang" not in message.last_error


def test_an_unreachable_mail_server_is_retried(db, settings):
    settings.EMAIL_BACKEND = "branchcx.messaging.tests.test_email.SilentServerBackend"
    message = queue_email()

    deliver_pending()

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.QUEUED
    assert message.attempts == 1
    assert message.last_error == "mail server unreachable: TimeoutError"
