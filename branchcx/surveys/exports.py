"""Survey responses as an Excel workbook, masked.

One sheet per survey (each has its own questions), one row per submitted response: the day,
outlet and source, the customer's number with the name and mobile masked (nothing for an
anonymous response), the headline answers, the dimension means and every answer under its
question's wording. Comments keep their words but lose the numbers in them (mobile, ID, card
and account numbers are masked by :func:`branchcx.lib.masking.mask_text`). A first sheet
says what was exported, when and by whom.

The rows are written as they are read (openpyxl's write-only mode), in batches of responses
whose answers and dimension scores are fetched two queries a batch, so the memory and the
number of queries do not grow with the rows. Every export is an audit event with the filters
and the number of rows, and no personal data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from branchcx.audit.actions import Action, record
from branchcx.lib import masking
from branchcx.lib.workbooks import About, Workbook
from branchcx.org.access import own_staff_profile, scope_label
from branchcx.org.scoping import require_perm
from branchcx.surveys import queries
from branchcx.surveys.models import Dimension, Response, Survey, SurveyVersion

EXPORT_PERMISSION = "surveys.export_responses"
BATCH = 500  # responses per round of answer and dimension queries
MEASURES = ("expectation", "perception", "gap", "adequate", "desired", "importance")


def export_limit() -> int:
    """The most responses one export may hold (``BRANCHCX_SURVEY_EXPORT_MAX_ROWS``)."""
    return int(settings.BRANCHCX_SURVEY_EXPORT_MAX_ROWS)


def _measure_label(measure: str) -> str:
    return {
        "expectation": _("expected"),
        "perception": _("experienced"),
        "gap": _("gap (experienced - expected)"),
        "adequate": _("lowest acceptable"),
        "desired": _("desired"),
        "importance": _("importance (points)"),
    }[measure]


class _Layout:
    """The columns of one survey's sheet: the answer parts of every version its responses
    answered (the newest version's order, then what only older versions asked) and the
    dimension measures those parts produce."""

    def __init__(self, versions: Sequence[SurveyVersion]) -> None:
        seen: set[tuple[str, str, str]] = set()
        self.parts: list[queries.AnswerPart] = []
        self.labels: dict[str, dict[str, str]] = {}
        for version in versions:  # newest first: its wording heads the column
            definition = version.parsed()
            for key, choices in queries.choice_labels(definition).items():
                self.labels.setdefault(key, choices)
            for part in queries.answer_parts(definition):
                ident = (part.question_key, part.role, part.dimension)
                if ident not in seen:
                    seen.add(ident)
                    self.parts.append(part)
        roles = {p.role for p in self.parts}
        dimensions = {p.dimension for p in self.parts if p.dimension}
        self.dimensions = [d for d in Dimension.values if d in dimensions]
        self.measures = [
            m
            for m in MEASURES
            if m in roles or (m == "gap" and {"expectation", "perception"} <= roles)
        ]

    def headers(self) -> list[str]:
        fixed = [
            _("Response"),
            _("Answered on"),
            _("Version"),
            _("Outlet code"),
            _("Outlet"),
            _("Source"),
            _("Anonymous"),
            _("Customer number"),
            _("Name (masked)"),
            _("Mobile (masked)"),
            _("Follow-up"),
            "NPS",
            "CSAT",
            "CES",
            _("Overall"),
        ]
        dimension_names = {d: str(Dimension(d).label) for d in self.dimensions}
        means = [
            f"{dimension_names[d]}: {_measure_label(m)}"
            for d in self.dimensions
            for m in self.measures
        ]
        answers = [f"[{p.question_key}] {p.wording}" for p in self.parts]
        return [*fixed, *means, *answers]

    def row(self, response: Response, answers: list[Any], dimensions: dict[str, Any]) -> list[Any]:
        customer = None if response.is_anonymous else response.customer
        name = customer.name if customer else response.contact_name
        mobile = customer.mobile if customer else response.contact_mobile
        follow_up = getattr(response, "follow_up", None)
        fixed = [
            str(response.uuid),
            response.submitted_on,
            response.survey_version.number,
            response.outlet.code,
            response.outlet.name,
            response.get_source_display(),
            response.is_anonymous,
            customer.customer_no if customer else "",
            masking.mask_name(name or ""),
            masking.mask_mobile(mobile or ""),
            follow_up.get_state_display() if follow_up else "",
            response.nps,
            response.csat,
            response.ces,
            response.overall,
        ]
        means = []
        for dimension in self.dimensions:
            scores = dimensions.get(dimension)
            for measure in self.measures:
                value = getattr(scores, measure, None) if scores else None
                means.append(round(value, 2) if value is not None else None)
        given = {(a.question_key, a.role, a.dimension): a for a in answers}
        values = [
            self._value(p, given.get((p.question_key, p.role, p.dimension))) for p in self.parts
        ]
        return [*fixed, *means, *values]

    def _value(self, part: queries.AnswerPart, answer: Any) -> Any:
        if answer is None:
            return None
        if part.role == "text":
            return masking.mask_text(answer.text or "")
        if answer.choices:
            labels = self.labels.get(part.question_key, {})
            return "; ".join(labels.get(c, c) for c in answer.choices)
        return answer.number


def _batches(responses: QuerySet[Response]) -> Iterator[list[Response]]:
    """The responses, newest first, a batch at a time (their ids first: one narrow query)."""
    ids = list(responses.order_by("-submitted_on", "-pk").values_list("pk", flat=True))
    related = ("survey_version", "outlet", "customer", "follow_up")
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        found = responses.filter(pk__in=chunk).select_related(*related).in_bulk()
        yield [found[pk] for pk in chunk]


def export_responses(
    actor: Any, responses: QuerySet[Response], *, filters: dict[str, str]
) -> tuple[bytes, int]:
    """The .xlsx bytes of ``responses`` (already scoped and filtered) and the row count.
    Refused (ValidationError) when more responses match than :func:`export_limit`."""
    require_perm(actor, EXPORT_PERMISSION)
    limit = export_limit()
    count = responses.order_by()[: limit + 1].count()
    if count > limit:
        raise ValidationError(
            _(
                "More than %(limit)s responses match; narrow the filters (a shorter period, "
                "one survey or one outlet) to export at most %(limit)s."
            )
            % {"limit": f"{limit:,}"}
        )
    kept = {k: v for k, v in filters.items() if v}
    names = _filter_names()
    about = About(
        title=_("Survey responses"),
        actor=actor,
        scope=scope_label(actor),
        masking=_(
            "Names and mobiles are masked; numbers written in comments (mobile, ID, card and "
            "account numbers) are masked too. Anonymous responses name nobody."
        ),
        filters=[(names.get(k, k), v) for k, v in kept.items()],
        notes=_(
            "Submitted responses in your scope, one sheet per survey. Dimension columns are "
            "the response's mean answer per SERVQUAL dimension."
        ),
    )
    book = Workbook(about)
    survey_ids = set(responses.order_by().values_list("survey_id", flat=True).distinct())
    written = 0
    for survey in Survey.objects.filter(pk__in=survey_ids).order_by("code"):
        mine = responses.filter(survey=survey)
        version_ids = set(mine.order_by().values_list("survey_version_id", flat=True).distinct())
        layout = _Layout(list(SurveyVersion.objects.filter(pk__in=version_ids).order_by("-number")))
        sheet = book.sheet(survey.code, layout.headers())
        for batch in _batches(mine):
            ids = [r.pk for r in batch]
            answers = queries.answers_by_response(ids)
            dimensions = queries.dimensions_by_response(ids)
            for response in batch:
                sheet.append(layout.row(response, answers[response.pk], dimensions[response.pk]))
                written += 1
    about.facts = [(_("Survey responses"), written)]
    data = book.close()
    profile = own_staff_profile(actor)
    record(
        Action.EXPORT,
        actor=actor,
        target_label=_("Survey responses"),
        branch=profile.branch if profile else None,
        field="survey_responses",
        detail={"filters": kept, "rows": written},
    )
    return data, written


def _filter_names() -> dict[str, str]:
    return {
        "survey": _("Survey"),
        "outlet": _("Outlet"),
        "start": _("From"),
        "end": _("To"),
        "who": _("Respondents"),
    }
