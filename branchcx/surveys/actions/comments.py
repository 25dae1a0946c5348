"""Comment sentiment and themes of survey comments."""

from __future__ import annotations

from django.db import transaction

from branchcx.surveys.models import (
    Answer,
    Response,
)

# --- comment sentiment and themes (survey comments) -----------------------------------------


def _analysis_of(answer: Answer) -> tuple[int | None, list[str]]:
    """A comment's sentiment and themes; (None, []) when the analysis fails (logged without
    the text), left for ``do_analyse_comments`` to try again."""
    from branchcx.surveys.comments import analyse_or_none

    found = analyse_or_none(answer.text or "", ref=answer.pk)
    return (None, []) if found is None else (found.sentiment, list(found.themes))


def analyse_comments(response: Response) -> None:
    """On submission, while the comments are at hand in plain text (they are sealed in the
    database), record what they say. A failed analysis never loses the answer."""
    comments = list(response.answers.filter(role="text"))
    for answer in comments:
        answer.sentiment, answer.themes = _analysis_of(answer)
    Answer.objects.bulk_update(comments, ["sentiment", "themes"])


def do_analyse_comments(*, everything: bool = False, batch_size: int = 500) -> dict[str, int]:
    """Analyse the stored comments again (those not yet analysed, or ``everything``), batch by
    batch, each batch decrypted, analysed and written in one transaction. Running it twice
    changes nothing the second time."""
    counts = {"read": 0, "changed": 0, "failed": 0}
    comments = Answer.objects.filter(role="text").only("pk", "text", "sentiment", "themes")
    if not everything:
        comments = comments.filter(sentiment__isnull=True)
    last = 0
    while True:
        with transaction.atomic():
            batch = list(comments.filter(pk__gt=last).order_by("pk")[:batch_size])
            if not batch:
                return counts
            changed = []
            for answer in batch:
                sentiment, themes = _analysis_of(answer)
                counts["failed"] += sentiment is None
                if (sentiment, themes) != (answer.sentiment, answer.themes):
                    answer.sentiment, answer.themes = sentiment, themes
                    changed.append(answer)
            Answer.objects.bulk_update(changed, ["sentiment", "themes"])
        counts["read"] += len(batch)
        counts["changed"] += len(changed)
        last = batch[-1].pk
