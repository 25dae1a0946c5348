"""Survey comments: how many are positive, neutral and negative, in all and per SERVQUAL
dimension."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from branchcx.surveys.models import Dimension
from branchcx.surveys.queries.scores import Selection


@dataclass(frozen=True)
class CommentCounts:
    """Comments by sentiment."""

    positive: int = 0
    neutral: int = 0
    negative: int = 0

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative

    @property
    def net(self) -> int | None:
        """Per cent positive minus per cent negative (None without comments)."""
        if not self.total:
            return None
        return round(100 * (self.positive - self.negative) / self.total)


@dataclass(frozen=True)
class CommentSummary:
    everything: CommentCounts  # every analysed comment
    themes: dict[str, CommentCounts]  # each SERVQUAL dimension, in order (a comment can be
    # under several)
    unthemed: CommentCounts  # comments about none of the five
    unanalysed: int  # not yet analysed (``branchcx surveys analyse-comments``)


def comments(selection: Selection) -> QuerySet[Any]:
    """The comments (text answers) of the selection's submitted responses, in the user's
    scope (through the responses)."""
    from branchcx.surveys.models import Answer

    return Answer.objects.filter(role="text", response__in=selection.responses())


def comments_about(rows: QuerySet[Any], theme: str) -> QuerySet[Any]:
    """The comments among ``rows`` about ``theme``. The themes are a JSON list, and JSON
    containment has no portable lookup (PostgreSQL's jsonb has one, SQLite none); but the
    lists are a few distinct combinations of five names, so the combinations holding the
    theme are read first (one grouped query) and matched exactly."""
    combinations = rows.order_by().values_list("themes", flat=True).distinct()
    return rows.filter(themes__in=[c for c in combinations if theme in c])


def comment_summary(selection: Selection) -> CommentSummary:
    """Positive, neutral and negative comments, in all and per SERVQUAL dimension: one
    grouped query over the (sentiment, themes) pairs, which are few whatever the number of
    comments, added up here."""
    grouped = comments(selection).order_by().values("sentiment", "themes").annotate(n=Count("pk"))
    names = {1: "positive", 0: "neutral", -1: "negative"}
    everything: dict[str, int] = {}
    unthemed: dict[str, int] = {}
    themes: dict[str, dict[str, int]] = {d: {} for d in Dimension.values}
    unanalysed = 0
    for row in grouped:
        name, n = names.get(row["sentiment"]), row["n"]
        if name is None:
            unanalysed += n
            continue
        everything[name] = everything.get(name, 0) + n
        found = [t for t in row["themes"] or [] if t in themes]
        for theme in found:
            themes[theme][name] = themes[theme].get(name, 0) + n
        if not found:
            unthemed[name] = unthemed.get(name, 0) + n
    return CommentSummary(
        everything=CommentCounts(**everything),
        themes={d: CommentCounts(**counts) for d, counts in themes.items()},
        unthemed=CommentCounts(**unthemed),
        unanalysed=unanalysed,
    )
