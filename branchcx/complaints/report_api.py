"""API for complaint statistics: counts per JR/T 0169 code (or per outlet) for a period."""

# No `from __future__ import annotations` here: django-ninja builds its query and response
# models from the live annotations.

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from branchcx.complaints import access, rollups, stats
from branchcx.complaints.stats import figures
from branchcx.org.models import Branch

router = Router(tags=["complaint statistics"])


class StatisticsQuery(Schema):
    start: date | None = None  # default: the first day of the month eleven months ago
    end: date | None = None  # default: today
    group_by: Literal["business", "cause", "channel", "outlet"] = "business"


class CodeCountOut(Schema):
    code: str  # "" for complaints not (yet) classified on this axis
    name: str  # the Chinese name as the standard spells it
    name_en: str
    count: int


class StatisticsOut(Schema):
    start: date
    end: date
    group_by: str
    total: int
    counts: list[CodeCountOut]
    # when the stored figures for the whole months were last updated (None: all counted now)
    as_of: datetime | None
    counted_now: bool  # some or all of the figures were counted at the request


@router.get("/complaints/statistics", response=StatisticsOut)
def complaint_statistics(request: HttpRequest, filters: Query[StatisticsQuery]) -> dict[str, Any]:
    """Complaints received in the period (at most 1,096 days) in your scope, counted per
    code of one axis or per outlet. Merged duplicates are not counted. A bad period is a
    422. Whole months come from the stored figures (``as_of``)."""
    user = request.user
    complaints = access.complaints_for_user(user)
    period = stats.make_period(filters.start, filters.end, timezone.localdate())
    view = rollups.TALLY.by(stats.by_key(filters.group_by))  # a row per code, added up
    reading = rollups.read(
        complaints,
        lambda rows: rows.visible_to(user),
        period.start,
        period.end,
        tables=(view,),
    )
    counts = figures.counts_by(
        reading.of(view),
        filters.group_by,
        figures.outlet_codes(Branch.objects.visible_to(user).only("code", "name")),
    )
    fresh = reading.freshness
    return {
        "as_of": fresh.as_of,
        "counted_now": fresh.live or fresh.partly_live,
        "start": period.start,
        "end": period.end,
        "group_by": filters.group_by,
        "total": sum(count for _code, count in counts),
        "counts": [
            {
                "code": code.code,
                "name": code.name if code.code else "未分类",
                "name_en": code.name_en if code.code else "Unclassified",
                "count": count,
            }
            for code, count in counts
        ],
    }
