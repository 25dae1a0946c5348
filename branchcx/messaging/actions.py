"""Queueing messages to customers and delivering them.

Delivery is *at least once*. Each message is sent and marked sent inside its own transaction,
holding its row lock: a message marked sent is never sent again, and two workers never send
the same message at once. But if the process dies (or the database goes away) after the
adapter handed the message over and before the transaction commits, the row is still queued
and the next run sends it again. Email keeps its Message-ID across such repeats; an SMS is
repeated as is. The alternative, marking before sending, would lose messages instead.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.lib.identifiers import normalise_mobile
from branchcx.messaging.adapters import DeliveryError, adapter_for
from branchcx.messaging.models import ERROR_LENGTH, PURPOSE_LENGTH, SUBJECT_LENGTH, OutboxMessage

logger = logging.getLogger(__name__)


def enqueue(
    *,
    channel: str,
    recipient: str,
    body: str,
    purpose: str,
    subject: str = "",
    outlet: Any = None,
) -> OutboxMessage:
    """Queue one message to a customer, in the caller's transaction.

    Nothing is sent now: the worker delivers it once the caller's transaction has committed,
    and a caller that rolls back leaves no message. Raises ValidationError, keyed by argument,
    for an unknown channel, an empty or malformed recipient, an empty text, or a subject that
    is too long or spans lines. A mobile number is stored normalised (11 digits).
    """
    errors: dict[str, str] = {}
    recipient = recipient.strip()
    if channel not in OutboxMessage.Channel.values:
        errors["channel"] = _("Messages can be sent by SMS or email only.")
    elif not recipient:
        errors["recipient"] = _("A message needs a recipient.")
    elif channel == OutboxMessage.Channel.SMS:
        try:
            recipient = normalise_mobile(recipient)
        except ValueError as exc:
            errors["recipient"] = str(exc)
    else:
        try:
            validate_email(recipient)
        except ValidationError:
            errors["recipient"] = _("This is not an email address.")
    if not body.strip():
        errors["body"] = _("A message needs a text.")
    subject = subject.strip()
    if len(subject) > SUBJECT_LENGTH:
        errors["subject"] = _("The subject is too long.")
    elif "\n" in subject or "\r" in subject:
        errors["subject"] = _("The subject must be one line.")
    if not purpose or len(purpose) > PURPOSE_LENGTH:
        errors["purpose"] = _("Say in a short word why the message is sent.")
    if errors:
        raise ValidationError(errors)
    # One INSERT, joining whatever transaction the caller is in.
    message: OutboxMessage = OutboxMessage.objects.create(
        channel=channel,
        recipient=recipient,
        subject=subject,
        body=body,
        purpose=purpose,
        outlet=outlet,
    )
    return message


def deliver_pending(limit: int = 100) -> dict[str, int]:
    """Send up to ``limit`` queued messages, oldest first; returns how many were ``sent``,
    are ``retrying`` (failed, will be tried again) and ``failed`` (given up on).

    A message that fails ``BRANCHCX_OUTBOX_MAX_ATTEMPTS`` times is marked failed. Each message
    is its own transaction (see the module's note on at-least-once delivery). On PostgreSQL,
    workers running at once skip each other's locked rows; SQLite lets one writer in at a time
    anyway, and the status is checked again under the lock.
    """
    max_attempts = settings.BRANCHCX_OUTBOX_MAX_ATTEMPTS
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    queued = OutboxMessage.objects.filter(status=OutboxMessage.Status.QUEUED)
    ids = list(queued.order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
    for pk in ids:
        with transaction.atomic():
            candidates = queued.filter(pk=pk)
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True)
            message = candidates.first()
            if message is None:  # sent by another worker meanwhile, or locked by one now
                continue
            outcome = _attempt(message, max_attempts)
            counts[outcome] += 1
    if any(counts.values()):
        logger.info("outbox: %(sent)d sent, %(retrying)d to retry, %(failed)d failed", counts)
    return counts


def _attempt(message: OutboxMessage, max_attempts: int) -> str:
    """Send one locked message and record the outcome on its row."""
    message.attempts += 1
    try:
        adapter_for(message.channel).send(message)
    except DeliveryError as exc:
        error = str(exc)[:ERROR_LENGTH]
    except Exception as exc:
        # An adapter's bug must not stop the queue behind it. Only the exception's name is
        # kept: its text may quote the recipient.
        error = f"unexpected {type(exc).__name__}"[:ERROR_LENGTH]
    else:
        message.status = OutboxMessage.Status.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["status", "sent_at", "attempts", "last_error"])
        return "sent"
    message.last_error = error
    given_up = message.attempts >= max_attempts
    if given_up:
        message.status = OutboxMessage.Status.FAILED
    message.save(update_fields=["status", "attempts", "last_error"])
    logger.warning(
        "outbox %s %s: attempt %d failed%s: %s",
        message.channel,
        message.uuid,
        message.attempts,
        ", giving up" if given_up else "",
        error,
    )
    return "failed" if given_up else "retrying"
