"""What customers say: the survey comments of the user's scope, how many are positive,
neutral and negative about each SERVQUAL dimension, and the comments themselves (personal
data: masked identifiers, audited, never cached)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from branchcx.audit.actions import Action, record
from branchcx.lib.masking import mask_text
from branchcx.lib.paging import PAGE_SIZE, page_of, query_without_page
from branchcx.org.access import units_for_user
from branchcx.org.models import Branch
from branchcx.org.scoping import require_perm
from branchcx.surveys import queries
from branchcx.surveys.models import Dimension, Survey
from branchcx.surveys.report_forms import ReportFilterForm

MONTHS = 12  # the default period: this month and the twelve before
SENTIMENTS = {"positive": 1, "neutral": 0, "negative": -1}
SENTIMENT_CHOICES = [
    ("", _("Any sentiment")),
    ("positive", _("Positive")),
    ("neutral", _("Neutral")),
    ("negative", _("Negative")),
]
THEME_CHOICES = [("", _("Any dimension")), *Dimension.choices]
# Counting past this many comments costs more than reading a page: narrow the filters.
COUNT_CAP = PAGE_SIZE * 100


def _filters(request: HttpRequest) -> ReportFilterForm:
    units = units_for_user(request.user, levels=[Branch.Level.BRANCH, Branch.Level.OUTLET])
    return ReportFilterForm(
        request.GET,
        units=list(units.only("code", "name", "path", "level")),
        surveys=list(Survey.objects.order_by("code")),
        today=timezone.localdate(),
        months=MONTHS + 1,
        extra={"theme": THEME_CHOICES, "sentiment": SENTIMENT_CHOICES},
    )


def _link(request: HttpRequest, **changes: str) -> str:
    """The page's URL with the current filters, some of them changed, and no page number."""
    params = {k: v for k, v in request.GET.items() if k != "page"} | changes
    return "?" + urlencode({k: v for k, v in params.items() if v})


def _summary_rows(request: HttpRequest, summary: queries.CommentSummary) -> list[dict[str, Any]]:
    """One row per dimension (and one for comments about none of them), each count linking
    to the comments it counts."""
    labels = dict(Dimension.choices)
    rows = []
    for theme, counts in [*summary.themes.items(), ("", summary.unthemed)]:
        rows.append(
            {
                "theme": theme,
                "label": labels[theme] if theme else _("None of the five"),
                "counts": counts,
                "links": {s: _link(request, theme=theme, sentiment=s) for s in SENTIMENTS}
                if theme
                else {},
            }
        )
    return rows


def _follow_up(answer: Any) -> Any:
    try:
        return answer.response.follow_up
    except ObjectDoesNotExist:
        return None


@login_required
@require_GET
def comment_list(request: HttpRequest) -> HttpResponse:
    """The comments of the period, unit and survey chosen, the newest first, with the counts
    per dimension and sentiment on top."""
    require_perm(request.user, "surveys.view_response")
    form = _filters(request)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        data = form.cleaned_data
        selection = queries.Selection(
            request.user, start=data["start"], end=data["end"], survey=data["survey"],
            unit=data["unit"],
        )  # fmt: skip
        rows = queries.comments(selection)
        if data["theme"]:
            rows = queries.comments_about(rows, data["theme"])
        if data["sentiment"]:
            rows = rows.filter(sentiment=SENTIMENTS[data["sentiment"]])
        rows = rows.select_related(
            "response__survey", "response__outlet", "response__follow_up"
        ).order_by("-response__submitted_on", "-pk")
        page = page_of(request, rows, cap=COUNT_CAP)
        summary = queries.comment_summary(selection)
        can_follow = request.user.has_perm("surveys.view_followup")
        context |= {
            "data": data,
            "page": page,
            "query": query_without_page(request),
            "summary": summary,
            "summary_rows": _summary_rows(request, summary),
            "comments": [
                {
                    "answer": answer,
                    "text": mask_text(answer.text or ""),
                    "follow_up": _follow_up(answer) if can_follow else None,
                }
                for answer in page
            ],
        }
        # one event per page shown: which comments were read, never what they say
        record(
            Action.VIEW_PERSONAL,
            actor=request.user,
            target_label="survey comments",
            branch=data["unit"],
            detail={
                "start": f"{data['start']}",
                "end": f"{data['end']}",
                "unit": data["unit"].code if data["unit"] else "",
                "survey": data["survey"].code if data["survey"] else "",
                "theme": data["theme"],
                "sentiment": data["sentiment"],
                "page": page.number,
                "shown": len(page.object_list),
            },
        )
    response = render(request, "surveys/comments/list.html", context)
    response["Cache-Control"] = "no-store"
    return response
