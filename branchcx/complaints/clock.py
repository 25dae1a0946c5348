"""The regulatory clock of a complaint, as plain values without database access.

Rules (《银行业保险业消费投诉处理管理办法》, 2020):

- A decision is made and the customer told within **15 days** of receipt. "Days" are natural
  days (Art. 43): Spring Festival and National Day do not stop the clock. Periods are counted
  as the Civil Code counts them (Art. 201): the day of receipt does not count, so a complaint
  received on 1 March is due by the end of 16 March. We do not move a deadline that falls on a
  holiday to the next working day (Civil Code Art. 203): the stricter reading, so a bank
  following it is never late under either.
- A complex case may be extended to **30 days**; a further extension to **60 days** needs the
  approval of the higher-level branch or a head-office senior manager. Never beyond 60.
- Days spent in external appraisal or testing and in mediation do not count: the clock is
  paused and resumed, each pause kept. A pause counts whole days from the day it started to
  the day it ended (or to today while it lasts).
- New facts restart the clock from the day they were received (15 days again).
- After the decision the customer may ask for a review within **30 days**; the review is
  decided within **30 days** of the request.

Items the regulation counts in working days use :mod:`branchcx.lib.workdays` instead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from django.utils.translation import gettext as _

BASE_DAYS = 15
EXTENDED_DAYS = 30
MAX_DAYS = 60
REVIEW_REQUEST_DAYS = 30
REVIEW_DECISION_DAYS = 30
AT_RISK_DAYS = 3  # days left at which a complaint shows as at risk


class ClockError(ValueError):
    """A change the rules do not allow; the message says why, for the user."""


class PauseReason(StrEnum):
    APPRAISAL = "appraisal"  # 鉴定、检测
    MEDIATION = "mediation"  # 调解


class ClockState(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    PAUSED = "paused"


@dataclass(frozen=True)
class Pause:
    reason: PauseReason
    started_on: date
    ended_on: date | None = None  # None while it lasts

    def days(self, today: date) -> int:
        return max(((self.ended_on or today) - self.started_on).days, 0)


@dataclass(frozen=True)
class RegulatoryClock:
    started_on: date  # day of receipt, or of the new facts that restarted the clock
    allowed_days: int = BASE_DAYS  # 15, 30 after a first extension, 60 after a second
    pauses: tuple[Pause, ...] = ()

    # --- reading ---------------------------------------------------------------------------
    @property
    def is_paused(self) -> bool:
        return any(p.ended_on is None for p in self.pauses)

    def paused_days(self, today: date) -> int:
        return sum(p.days(today) for p in self.pauses)

    def deadline(self, today: date) -> date:
        """The last day for the decision and its notification (moves on while paused)."""
        return self.started_on + timedelta(days=self.allowed_days + self.paused_days(today))

    def days_left(self, today: date) -> int:
        return (self.deadline(today) - today).days

    def state(self, today: date, at_risk_days: int = AT_RISK_DAYS) -> ClockState:
        if self.is_paused:
            return ClockState.PAUSED
        left = self.days_left(today)
        if left < 0:
            return ClockState.OVERDUE
        if left == 0:
            return ClockState.DUE_TODAY
        return ClockState.AT_RISK if left <= at_risk_days else ClockState.ON_TRACK

    # --- changing (each returns a new clock) ------------------------------------------------
    def extend(self, *, approved_by_higher_level: bool = False) -> RegulatoryClock:
        """15 → 30 days for a complex case; 30 → 60 only with the higher level's approval."""
        if self.allowed_days >= MAX_DAYS:
            raise ClockError(_("The deadline is already 60 days, the most the rules allow."))
        if self.allowed_days < EXTENDED_DAYS:
            return replace(self, allowed_days=EXTENDED_DAYS)
        if not approved_by_higher_level:
            raise ClockError(
                _(
                    "Extending beyond 30 days needs the approval of the higher-level branch "
                    "or a head-office senior manager."
                )
            )
        return replace(self, allowed_days=MAX_DAYS)

    def pause(self, reason: PauseReason, on: date) -> RegulatoryClock:
        if self.is_paused:
            raise ClockError(_("The clock is already paused."))
        if on < self.started_on or (self.pauses and on < (self.pauses[-1].ended_on or on)):
            raise ClockError(_("A pause cannot start before the clock or the last pause."))
        return replace(self, pauses=(*self.pauses, Pause(PauseReason(reason), on)))

    def resume(self, on: date) -> RegulatoryClock:
        if not self.is_paused:
            raise ClockError(_("The clock is not paused."))
        *done, current = self.pauses
        if on < current.started_on:
            raise ClockError(_("The clock cannot resume before it was paused."))
        return replace(self, pauses=(*done, replace(current, ended_on=on)))

    def restart(self, on: date) -> RegulatoryClock:
        """New facts: 15 days again from the day they arrived (extensions start over)."""
        if on < self.started_on:
            raise ClockError(_("New facts cannot arrive before the complaint."))
        return RegulatoryClock(started_on=on)


# --- review (复核) ----------------------------------------------------------------------------


def review_request_deadline(decision_notified_on: date) -> date:
    """The last day the customer may ask for a review of the decision."""
    return decision_notified_on + timedelta(days=REVIEW_REQUEST_DAYS)


def check_review_request(decision_notified_on: date, requested_on: date) -> None:
    if requested_on > review_request_deadline(decision_notified_on):
        raise ClockError(
            _("A review must be requested within 30 days of the decision (by %(day)s).")
            % {"day": review_request_deadline(decision_notified_on).isoformat()}
        )


def review_decision_deadline(requested_on: date) -> date:
    return requested_on + timedelta(days=REVIEW_DECISION_DAYS)
