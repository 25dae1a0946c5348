"""Suggestions for a new complaint from what the customer said: business category, cause
(JR/T 0169 codes) and urgency (priority). Each comes from a model trained on the bank's own
finished complaints when one is saved (``branchcx complaints train-classifier --target …``),
else from a keyword lexicon; each carries its confidence and its source. Suggestions are
shown to staff, never applied silently."""

from __future__ import annotations

import threading
from pathlib import Path

from branchcx.complaints import classifier
from branchcx.complaints.classifier import Suggestion, TextClassifier

TARGETS = classifier.TARGETS
_cache: dict[Path, tuple[float, TextClassifier]] = {}
_lock = threading.Lock()


def _model(target: str) -> TextClassifier | None:
    """The saved model for ``target``, loaded once and again only when the file changes."""
    path = classifier.model_path(target)
    try:
        stamp = path.stat().st_mtime
    except FileNotFoundError:
        return None
    with _lock:
        cached = _cache.get(path)
        if cached is None or cached[0] != stamp:
            model = classifier.load(path)
            if model is None:
                return None
            _cache[path] = cached = (stamp, model)
    return cached[1]


def suggest(text: str) -> dict[str, Suggestion | None]:
    """{"business": …, "cause": …, "priority": …}; None where nothing can be suggested."""
    text = text.strip()
    found: dict[str, Suggestion | None] = {}
    for target in TARGETS:
        model = _model(target) if text else None
        if model is not None:
            found[target] = model.suggest([text])[0]
        else:
            found[target] = classifier.lexicon_suggestion(text, target) if text else None
    return found
