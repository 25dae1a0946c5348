"""Shared by the survey actions: the thresholds of an unhappy answer, the refusal of a link
that cannot be answered, and the token hash."""

from __future__ import annotations

import hashlib

DETRACTOR_MAX = 6  # NPS 0-6
LOW_CSAT_MAX = 2  # CSAT 1-2


class SurveyUnavailable(Exception):
    """The link cannot be answered; ``reason`` says why, for the respondent."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # unknown, expired, used, closed


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
