"""The regulator's complaint statistics as an Excel workbook.

Counts by JR/T 0169 code (business category, cause, channel, and business category by
cause), each code with its Chinese name as the standard spells it, and a first sheet that
says what was counted: the period, the scope, when and by whom. The workbook holds no
personal data; every export is still an audit event, as statistics sent to a regulator
must be traceable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.audit.actions import Action, record
from branchcx.complaints import stats
from branchcx.lib.workbooks import About, Workbook
from branchcx.org.access import own_staff_profile
from branchcx.org.scoping import require_perm
from branchcx.rollups.reading import Freshness

EXPORT_PERMISSION = "complaints.export_statistics"

Sheet = tuple[str, Sequence[str], Iterable[Sequence[Any]]]


def _tally_headers() -> list[str]:
    return [
        _("Complaints"),
        _("Major complaints"),
        _("Decided and told within 15 days"),
        _("Decided and told within 30 days"),
        _("Decided and told within 60 days"),
        _("Decided and told within the days allowed"),
        _("Not yet decided and told"),
    ]


def _tally(tally: stats.Tally) -> list[int]:
    return [
        tally.total,
        tally.major,
        tally.within_15,
        tally.within_30,
        tally.within_60,
        tally.on_time,
        tally.undecided,
    ]


def _code(code: stats.Code) -> list[str]:
    """Code, Chinese name, English name; the unclassified row says so in both names."""
    if not code.code:
        return ["", "未分类", "Unclassified"]
    return [code.code, code.name, code.name_en]


def _code_headers(axis: str) -> list[str]:
    return [
        _("%(axis)s code") % {"axis": axis},
        _("%(axis)s (Chinese)") % {"axis": axis},
        _("%(axis)s (English)") % {"axis": axis},
    ]


def _as_of(freshness: Freshness) -> str:
    if freshness.live or freshness.as_of is None:
        return _("counted from the complaints when exported")
    text = _("stored figures as of %(time)s") % {
        "time": timezone.localtime(freshness.as_of).strftime("%Y-%m-%d %H:%M")
    }
    if freshness.partly_live:
        text += _("; days of partly covered months counted when exported")
    if freshness.stale:
        text += _("; updating has failed since %(time)s") % {
            "time": timezone.localtime(freshness.failing_since).strftime("%Y-%m-%d %H:%M")
        }
    return text


def _about(counts: stats.RegulatorCounts, freshness: Freshness, *, scope: str, actor: Any) -> About:
    totals = counts.totals
    return About(
        title=_("Complaint statistics for the regulator"),
        actor=actor,
        scope=scope,
        masking=_("No personal data: counts only."),
        facts=[
            (_("Period from"), counts.period.start),
            (_("Period to"), counts.period.end),
            (_("Days"), counts.period.days),
            (_("Complaints"), totals.total),
            (_("Major complaints"), totals.major),
            (_("Decided and told within 15 days"), totals.within_15),
            (_("Decided and told within 30 days"), totals.within_30),
            (_("Decided and told within 60 days"), totals.within_60),
            (_("Decided and told within the days allowed"), totals.on_time),
            (_("Not yet decided and told"), totals.undecided),
            (_("Figures"), _as_of(freshness)),
        ],
        notes=_(
            "Complaints received in the period, by the day of receipt in Beijing time. "
            "A complaint counts as decided and told once the customer was told of its "
            "final decision (approved where the policy asks for it) since the clock "
            "last started; a decision replaced, awaiting approval or not yet told does "
            "not count. Days are natural days from the day the clock started (receipt, "
            "or new facts or a reopening) to the day the customer was told, less the "
            "days paused for appraisal or mediation; the 15, 30 and 60-day counts are "
            "cumulative, and the days allowed are 15, or 30 or 60 once extended. "
            "Complaints merged into another are counted once, under the complaint they "
            "were merged into."
        ),
    )


def _sheets(counts: stats.RegulatorCounts) -> list[Sheet]:
    business, cause, channel = _("Business category"), _("Cause"), _("Channel")
    return [
        (
            _("By business category"),
            [*_code_headers(business), *_tally_headers()],
            [[*_code(code), *_tally(tally)] for code, tally in counts.by("business")],
        ),
        (
            _("By cause"),
            [*_code_headers(cause), *_tally_headers()],
            [[*_code(code), *_tally(tally)] for code, tally in counts.by("cause")],
        ),
        (
            _("By channel"),
            [*_code_headers(channel), *_tally_headers()],
            [[*_code(code), *_tally(tally)] for code, tally in counts.by("channel")],
        ),
        (
            _("Business by cause"),
            [*_code_headers(business), *_code_headers(cause), *_tally_headers()],
            [[*_code(b), *_code(c), *_tally(tally)] for b, c, tally in counts.business_by_cause()],
        ),
        (
            _("Business, cause, channel"),
            [
                *_code_headers(business),
                *_code_headers(cause),
                *_code_headers(channel),
                *_tally_headers(),
            ],
            [
                [*_code(b), *_code(c), *_code(ch), *_tally(tally)]
                for b, c, ch, tally in counts.cube()
            ],
        ),
    ]


def export_regulator_statistics(
    actor: Any,
    counts: stats.RegulatorCounts,
    freshness: Freshness,
    *,
    period: stats.Period,
    scope: str,
    outlet: str = "",
) -> bytes:
    """The .xlsx bytes of the regulator's ``counts`` (of the complaints in the actor's scope,
    the period and outlet), recorded in the audit log."""
    require_perm(actor, EXPORT_PERMISSION)
    book = Workbook(_about(counts, freshness, scope=scope, actor=actor))
    for title, headers, rows in _sheets(counts):
        book.sheet(title, headers).extend(rows)
    data = book.close()
    profile = own_staff_profile(actor)
    record(
        Action.EXPORT,
        actor=actor,
        target_label=_("Complaint statistics for the regulator"),
        branch=profile.branch if profile else None,
        field="complaint_statistics",
        detail={
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "outlet": outlet,
            "scope": scope,
            "complaints": counts.totals.total,
        },
    )
    return data
