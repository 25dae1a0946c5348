from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from branchcx.messaging.actions import enqueue
from branchcx.messaging.models import OutboxMessage

MOBILE = "13812345678"
TEXT = "感谢您今天光临浦东支行，请为我们的服务打分：https://bcx.example/s/abc"


def errors_of(caught: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(caught.value.message_dict)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"recipient": "  "}, "recipient"),
        ({"recipient": "12345"}, "recipient"),  # not a mainland mobile number
        ({"recipient": "010 6512 3456"}, "recipient"),  # a landline cannot take an SMS
        ({"channel": "email", "recipient": "zhang.example.com"}, "recipient"),
        ({"body": " \n "}, "body"),
        ({"subject": "line one\nBcc: someone@example.com"}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"purpose": ""}, "purpose"),
    ],
)
def test_enqueue_refuses_what_cannot_be_sent_naming_the_field(db, kwargs, field):
    # given a message with one thing wrong
    message = {"channel": "sms", "recipient": MOBILE, "body": TEXT, "purpose": "test"} | kwargs

    # when it is queued, then the error names that argument and nothing is stored
    with pytest.raises(ValidationError) as caught:
        enqueue(**message)
    assert errors_of(caught) == {field}
    assert not OutboxMessage.objects.exists()


def test_enqueue_reports_every_wrong_argument_at_once(db):
    with pytest.raises(ValidationError) as caught:
        enqueue(channel="sms", recipient="", body="", purpose="test")

    assert errors_of(caught) == {"recipient", "body"}


def test_a_mobile_number_is_stored_normalised(db):
    # when a number is given the way people type it
    message = enqueue(channel="sms", recipient="+86 138-1234-5678", body=TEXT, purpose="test")

    # then it is stored as eleven digits, queued, not yet tried
    message.refresh_from_db()
    assert message.recipient == MOBILE
    assert message.status == OutboxMessage.Status.QUEUED
    assert message.attempts == 0 and message.sent_at is None


def test_an_email_address_is_accepted_trimmed(db):
    message = enqueue(
        channel="email",
        recipient=" zhang.sf@example.com ",
        subject="满意度调查",
        body=TEXT,
        purpose="survey_invitation",
    )

    message.refresh_from_db()
    assert message.recipient == "zhang.sf@example.com"
    assert message.subject == "满意度调查"


def test_recipient_and_text_are_encrypted_at_rest(db):
    # given a queued SMS
    message = enqueue(channel="sms", recipient=MOBILE, body=TEXT, purpose="test")

    # when the table is read around the ORM
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT recipient, body FROM {OutboxMessage._meta.db_table} WHERE id = %s",  # noqa: S608
            [message.pk],
        )
        recipient, body = cursor.fetchone()

    # then neither the number nor the words are there
    assert MOBILE not in recipient and recipient.startswith("v1:")
    assert "浦东支行" not in body and body.startswith("v1:")


def test_a_caller_that_rolls_back_leaves_no_message(db):
    # given a change that queues a message and then fails
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(channel="sms", recipient=MOBILE, body=TEXT, purpose="test")
        raise RuntimeError("the decision could not be saved")

    # then nothing will be sent
    assert not OutboxMessage.objects.exists()


def test_a_message_without_outlet_is_seen_by_head_office_only(org):
    # given one message of an outlet in SH01 and one of head office itself
    outlet_message = enqueue(
        channel="sms", recipient=MOBILE, body=TEXT, purpose="test", outlet=org.sh0101
    )
    head_office_message = enqueue(channel="sms", recipient=MOBILE, body=TEXT, purpose="test")

    def visible(user):
        return set(OutboxMessage.objects.visible_to(user).values_list("pk", flat=True))

    # then head office sees both, SH01's manager the outlet's, the other branch neither
    assert visible(org.head_office) == {outlet_message.pk, head_office_message.pk}
    assert visible(org.manager_a) == {outlet_message.pk}
    assert visible(org.teller_b) == set()
