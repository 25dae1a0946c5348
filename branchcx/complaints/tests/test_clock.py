"""The regulatory clock: 15 natural days, extensions to 30 and 60, pauses, restarts, review."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from branchcx.complaints.clock import (
    ClockError,
    ClockState,
    PauseReason,
    RegulatoryClock,
    check_review_request,
    review_decision_deadline,
    review_request_deadline,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_fifteen_natural_days_from_the_day_after_receipt():
    clock = RegulatoryClock(started_on=date(2026, 3, 1))
    assert clock.deadline(today=date(2026, 3, 1)) == date(2026, 3, 16)


def test_spring_festival_does_not_stop_natural_days():
    # received before Spring Festival 2026 (15-23 Feb off): still 15 calendar days
    clock = RegulatoryClock(started_on=date(2026, 2, 10))
    assert clock.deadline(today=date(2026, 2, 10)) == date(2026, 2, 25)


def test_national_day_does_not_stop_natural_days_either():
    clock = RegulatoryClock(started_on=date(2026, 9, 28))
    assert clock.deadline(today=date(2026, 9, 28)) == date(2026, 10, 13)


def test_extensions_go_to_30_then_60_with_approval_and_never_beyond():
    clock = RegulatoryClock(started_on=date(2026, 3, 1)).extend()
    assert clock.deadline(today=date(2026, 3, 1)) == date(2026, 3, 31)

    with pytest.raises(ClockError, match="approval"):
        clock.extend()
    clock = clock.extend(approved_by_higher_level=True)
    assert clock.allowed_days == 60
    assert clock.deadline(today=date(2026, 3, 1)) == date(2026, 4, 30)

    with pytest.raises(ClockError, match="60 days"):
        clock.extend(approved_by_higher_level=True)


def test_appraisal_and_mediation_do_not_count():
    clock = RegulatoryClock(started_on=date(2026, 3, 1))
    clock = clock.pause(PauseReason.APPRAISAL, on=date(2026, 3, 5))

    # while paused the deadline moves on day by day, and the state says paused
    assert clock.state(today=date(2026, 3, 20)) == ClockState.PAUSED
    assert clock.deadline(today=date(2026, 3, 20)) == date(2026, 3, 31)  # 16 March + 15

    clock = clock.resume(on=date(2026, 3, 12))  # 7 days of appraisal
    clock = clock.pause(PauseReason.MEDIATION, on=date(2026, 3, 14)).resume(on=date(2026, 3, 17))
    assert clock.paused_days(today=date(2026, 4, 1)) == 10
    assert clock.deadline(today=date(2026, 4, 1)) == date(2026, 3, 26)
    assert [p.reason for p in clock.pauses] == ["appraisal", "mediation"]  # history kept


def test_pauses_must_be_in_order():
    clock = RegulatoryClock(started_on=date(2026, 3, 1)).pause("appraisal", on=date(2026, 3, 5))
    with pytest.raises(ClockError):
        clock.pause(PauseReason.MEDIATION, on=date(2026, 3, 6))  # already paused
    with pytest.raises(ClockError):
        clock.resume(on=date(2026, 3, 4))  # before the pause
    with pytest.raises(ClockError):
        RegulatoryClock(started_on=date(2026, 3, 1)).resume(on=date(2026, 3, 2))
    with pytest.raises(ClockError):
        RegulatoryClock(started_on=date(2026, 3, 1)).pause("mediation", on=date(2026, 2, 28))


def test_new_facts_restart_the_clock():
    clock = RegulatoryClock(started_on=date(2026, 3, 1)).extend()
    restarted = clock.restart(on=date(2026, 3, 10))
    assert (restarted.allowed_days, restarted.deadline(today=date(2026, 3, 10))) == (
        15,
        date(2026, 3, 25),
    )
    with pytest.raises(ClockError):
        clock.restart(on=date(2026, 2, 1))


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2026, 3, 12), ClockState.ON_TRACK),  # 4 days left
        (date(2026, 3, 13), ClockState.AT_RISK),  # 3 days left
        (date(2026, 3, 16), ClockState.DUE_TODAY),
        (date(2026, 3, 17), ClockState.OVERDUE),
    ],
)
def test_state_warns_before_the_deadline(today, state):
    assert RegulatoryClock(started_on=date(2026, 3, 1)).state(today) == state


def test_review_within_30_days_of_the_decision_decided_within_30():
    notified = date(2026, 4, 1)
    assert review_request_deadline(notified) == date(2026, 5, 1)
    check_review_request(notified, requested_on=date(2026, 5, 1))  # the last day is in time
    with pytest.raises(ClockError, match="30 days"):
        check_review_request(notified, requested_on=date(2026, 5, 2))
    assert review_decision_deadline(date(2026, 4, 20)) == date(2026, 5, 20)
