"""How an outbox message leaves BranchCX: one adapter per channel, chosen by settings.

An adapter has one method, ``send(message)``, which returns when the message is handed over
and raises :class:`DeliveryError` when it is not. SMS goes to a JSON-lines file (``file``, the
default: embedded mode has no SMS gateway, and an operator reads what would have been sent)
or to the log (``console``, for development). Email goes through Django's mail framework, so
``BRANCHCX_EMAIL_BACKEND`` picks SMTP, files or the console.

Error texts end up in ``OutboxMessage.last_error`` and in logs: they are built from codes and
exception names only, because servers' messages often quote the address they refused.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from branchcx.lib.masking import mask_email, mask_mobile
from branchcx.messaging.models import OutboxMessage

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The message was not handed over. The text is short and names no recipient or content."""


class Adapter(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


def masked_recipient(message: OutboxMessage) -> str:
    if message.channel == OutboxMessage.Channel.SMS:
        return mask_mobile(message.recipient)
    return mask_email(message.recipient)


def outbox_folder() -> Path:
    """``$BRANCHCX_DATA_DIR/outbox``, readable by BranchCX's own user only (it holds
    recipients and texts in clear)."""
    folder = Path(settings.DATA_DIR) / "outbox"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


class ConsoleSmsAdapter:
    """Development: one log line per message, masked number, never the text."""

    def send(self, message: OutboxMessage) -> None:
        logger.info(
            "outbox %s %s to %s (console backend: not sent)",
            message.channel,
            message.uuid,
            masked_recipient(message),
        )


class FileSmsAdapter:
    """Embedded mode: appends one JSON line per message to ``outbox/sms-YYYY-MM-DD.jsonl``
    (the local day of sending), a file only BranchCX's user can read."""

    def send(self, message: OutboxMessage) -> None:
        line = json.dumps(
            {
                "uuid": str(message.uuid),
                "recipient": message.recipient,
                "subject": message.subject,
                "body": message.body,
                "created_at": message.created_at.isoformat(),
            },
            ensure_ascii=False,
        )
        try:
            path = outbox_folder() / f"sms-{timezone.localdate():%Y-%m-%d}.jsonl"
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                # One write of the whole line: concurrent writers append whole lines.
                os.write(fd, (line + "\n").encode("utf-8"))
            finally:
                os.close(fd)
        except OSError as exc:
            raise DeliveryError(
                f"could not write the SMS file: {exc.strerror or type(exc).__name__}"
            ) from None


class EmailAdapter:
    """Email through Django's ``EMAIL_BACKEND`` (SMTP in production, files in embedded mode)."""

    def send(self, message: OutboxMessage) -> None:
        if settings.EMAIL_BACKEND.endswith(".filebased.EmailBackend"):
            (outbox_folder() / "email").mkdir(mode=0o700, exist_ok=True)
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "branchcx.invalid"
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            # A message sent twice (see deliver_pending) keeps its Message-ID, so mail systems
            # can tell the copy; it also spares Django a DNS look-up of our host name.
            headers={"Message-ID": f"<{message.uuid}@{domain}>"},
        )
        try:
            sent = email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused:
            raise DeliveryError("the mail server refused the recipient") from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"the mail server answered {exc.smtp_code}") from None
        except smtplib.SMTPException as exc:
            raise DeliveryError(f"mail error: {type(exc).__name__}") from None
        except OSError as exc:
            raise DeliveryError(
                f"mail server unreachable: {exc.strerror or type(exc).__name__}"
            ) from None
        if sent != 1:
            raise DeliveryError("the mail backend accepted nothing")


def adapter_for(channel: str) -> Adapter:
    if channel == OutboxMessage.Channel.EMAIL:
        return EmailAdapter()
    if channel == OutboxMessage.Channel.SMS:
        if settings.BRANCHCX_SMS_BACKEND == "console":
            return ConsoleSmsAdapter()
        return FileSmsAdapter()
    raise DeliveryError(f"no adapter for channel {channel!r}")
