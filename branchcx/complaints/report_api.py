"""API for complaint statistics: counts per JR/T 0169 code (or per outlet) for a period."""

# No `from __future__ import annotations` here: django-ninja builds its query and response
# models from the live annotations.

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from branchcx.complaints import access, stats

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


@router.get("/complaints/statistics", response=StatisticsOut)
def complaint_statistics(request: HttpRequest, filters: Query[StatisticsQuery]) -> dict[str, Any]:
    """Complaints received in the period (at most 366 days) in your scope, counted per code
    of one axis or per outlet. Merged duplicates are not counted. A bad period is a 422."""
    complaints = access.complaints_for_user(request.user)
    period = stats.make_period(filters.start, filters.end, timezone.localdate())
    counts = stats.counts_by(complaints, period.start, period.end, filters.group_by)
    return {
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
