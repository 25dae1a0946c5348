"""Answering: opening a link or a lobby code, page by page, then once for all on submission
(the headline and dimension figures, the follow-up an unhappy answer creates)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.lib.identifiers import normalise_mobile
from branchcx.lib.workdays import add_working_hours
from branchcx.org.calendar import bank_overrides
from branchcx.surveys.actions.comments import analyse_comments
from branchcx.surveys.actions.common import (
    DETRACTOR_MAX,
    LOW_CSAT_MAX,
    SurveyUnavailable,
    token_hash,
)
from branchcx.surveys.definition import (
    DIMENSIONS,
    AnswerError,
    AnswerRow,
    Definition,
    check_answers,
)
from branchcx.surveys.models import (
    Answer,
    DimensionScore,
    FeedbackCode,
    FollowUp,
    Invitation,
    Response,
    SpentLink,
    Survey,
)
from branchcx.surveys.scoring import below_adequate

# --- answering ------------------------------------------------------------------------------


def open_invitation(token: str) -> Invitation:
    """The invitation a token opens, or SurveyUnavailable saying why not."""
    invitation = (
        Invitation.objects.select_related("survey", "outlet", "customer")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        if SpentLink.objects.filter(token_hash=token_hash(token)).exists():
            raise SurveyUnavailable("used", _("This survey has already been answered. Thank you!"))
        raise SurveyUnavailable("unknown", _("This link is not valid."))
    if invitation.used_on is not None:
        raise SurveyUnavailable("used", _("This survey has already been answered. Thank you!"))
    if invitation.survey.status != Survey.Status.LIVE:
        raise SurveyUnavailable("closed", _("This survey has ended."))
    if invitation.is_expired:
        raise SurveyUnavailable("expired", _("This link has expired."))
    return invitation


def open_lobby(code: str) -> FeedbackCode:
    lobby = (
        FeedbackCode.objects.select_related("survey", "outlet")
        .filter(code=code, is_active=True)
        .first()
    )
    if lobby is None:
        raise SurveyUnavailable("unknown", _("This code is not valid."))
    if lobby.survey.status != Survey.Status.LIVE:
        raise SurveyUnavailable("closed", _("This survey has ended."))
    return lobby


@transaction.atomic
def start_from_invitation(invitation: Invitation) -> Response:
    """The invitation's response in progress (created on first opening)."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    existing = Response.objects.filter(invitation=locked).first()
    if existing is not None:
        return existing
    version = locked.survey.current()
    if version is None:
        raise SurveyUnavailable("closed", _("This survey has ended."))
    return Response.objects.create(
        survey=locked.survey, survey_version=version, invitation=locked,
        source=Response.Source.INVITATION, outlet=locked.outlet, customer=locked.customer,
        started_at=timezone.now(),
    )  # fmt: skip


def start_from_lobby(lobby: FeedbackCode) -> tuple[Response, str]:
    """A new anonymous response in progress and the secret that resumes it (kept by the
    respondent's browser session, stored here only as a hash)."""
    version = lobby.survey.current()
    if version is None:
        raise SurveyUnavailable("closed", _("This survey has ended."))
    secret = secrets.token_urlsafe(18)
    response = Response.objects.create(
        survey=lobby.survey, survey_version=version, feedback_code=lobby,
        source=Response.Source.LOBBY_QR, outlet=lobby.outlet, is_anonymous=True,
        resume_hash=token_hash(secret),
    )  # fmt: skip
    return response, secret


def resume_lobby(lobby: FeedbackCode, response_uuid: str, secret: str) -> Response | None:
    """The half-answered lobby response this browser started, if the secret matches."""
    response = Response.objects.filter(
        uuid=response_uuid, feedback_code=lobby, status=Response.Status.IN_PROGRESS
    ).first()
    if response is None or not secrets.compare_digest(response.resume_hash, token_hash(secret)):
        return None
    return response


def is_submitted(response: Response) -> bool:
    """Whether the response is submitted now (it may have been, since it was read)."""
    return Response.objects.filter(pk=response.pk, status=Response.Status.SUBMITTED).exists()


def stored_answers(response: Response) -> dict[str, Any]:
    """The answers saved so far, as the raw values the form shows (question key -> value)."""
    questions = {q.key: q for q in response.survey_version.parsed().questions()}
    values: dict[str, Any] = {}
    parts = {"expectation": "e", "perception": "p", "adequate": "a", "desired": "d"}
    for answer in response.answers.all():
        question = questions.get(answer.question_key)
        if question is None:
            continue
        if question.type in ("pair", "zone"):
            values.setdefault(answer.question_key, {})[parts[answer.role]] = answer.number
        elif question.type == "importance":
            values.setdefault(answer.question_key, {})[answer.dimension] = answer.number
        elif question.type == "single":
            values[answer.question_key] = answer.choices[0] if answer.choices else None
        elif question.type == "multiple":
            values[answer.question_key] = list(answer.choices)
        elif question.type == "text":
            values[answer.question_key] = answer.text
        else:
            values[answer.question_key] = answer.number
    return values


def next_section(response: Response) -> str | None:
    """The first page not yet answered, or None when every page is."""
    done = set(response.sections_done)
    for section in response.survey_version.parsed().sections:
        if section.key not in done:
            return section.key
    return None


@transaction.atomic
def do_answer_section(
    response: Response,
    section: str,
    answers: Mapping[str, Any],
    *,
    anonymous: bool | None = None,
) -> Response:
    """Save one page of answers. The last page submits the whole response (checked again as
    a whole), scores it and creates any follow-up. A page already saved is not saved again:
    a repeated submission returns the response unchanged."""
    locked = (
        Response.objects.select_for_update().select_related("survey_version").get(pk=response.pk)
    )
    if locked.status == Response.Status.SUBMITTED or section in locked.sections_done:
        return locked  # a double click or a retry: nothing is stored twice
    if locked.survey.status != Survey.Status.LIVE:
        raise SurveyUnavailable("closed", _("This survey has ended."))
    if locked.invitation_id is not None and locked.invitation.is_expired:
        raise SurveyUnavailable("expired", _("This link has expired."))
    definition = locked.survey_version.parsed()
    if section != next_section(locked):
        raise ValidationError({"__all__": _("Please answer the pages in order.")})
    own = {q.key for s in definition.sections if s.key == section for q in s.questions}
    merged = {**stored_answers(locked), **{k: v for k, v in answers.items() if k in own}}
    unknown = set(answers) - own
    if unknown:
        raise AnswerError({k: _("This question is not on this page.") for k in sorted(unknown)})
    rows = check_answers(definition, merged, section=section)
    _store(locked, rows)
    if anonymous is not None and locked.survey.allow_anonymous:
        locked.is_anonymous = anonymous if locked.customer_id or locked.invitation_id else True
    locked.sections_done = [*locked.sections_done, section]
    locked.save(update_fields=["sections_done", "is_anonymous"])
    if next_section(locked) is None:
        _submit(locked, definition, merged)
    return locked


def answer_of(response: Response, row: AnswerRow, **extra: Any) -> Answer:
    """The stored answer for one checked row (not saved)."""
    return Answer(
        response=response,
        question_key=row.question_key,
        role=row.role,
        dimension=row.dimension,
        item=row.item,
        number=row.number,
        choices=list(row.choices),
        text=row.text,
        **extra,
    )


def _store(response: Response, rows: list[AnswerRow]) -> None:
    Answer.objects.bulk_create(answer_of(response, r) for r in rows)


HEADLINE_ROLES = ("nps", "csat", "ces", "overall")


def headline(rows: Iterable[tuple[str, int | None]]) -> dict[str, int]:
    """The headline answers (NPS, CSAT, CES, overall) among (role, number) rows."""
    found: dict[str, int] = {}
    for role, number in rows:
        if number is not None and role in HEADLINE_ROLES:
            found.setdefault(role, number)
    return found


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def dimension_figures(
    rows: Iterable[tuple[str, str, int | None, int | None]],
) -> dict[str, dict[str, float | None]]:
    """Per dimension, from (role, dimension, item, number) rows: the mean expectation,
    perception, adequate and desired level, importance points, and the mean of the item gaps
    P - E (items answered on both sides)."""
    parts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    items: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for role, dimension, item, number in rows:
        if number is None or dimension not in DIMENSIONS:
            continue
        parts[dimension][role].append(number)
        if item is not None and role in ("expectation", "perception"):
            items[(dimension, item)][role] = number
    gaps: dict[str, list[int]] = defaultdict(list)
    for (dimension, _item), sides in items.items():
        if len(sides) == 2:
            gaps[dimension].append(sides["perception"] - sides["expectation"])
    return {
        dimension: {
            "expectation": _mean(roles.get("expectation", [])),
            "perception": _mean(roles.get("perception", [])),
            "adequate": _mean(roles.get("adequate", [])),
            "desired": _mean(roles.get("desired", [])),
            "importance": _mean(roles.get("importance", [])),
            "gap": _mean(gaps.get(dimension, [])),
        }
        for dimension, roles in parts.items()
    }


def dimension_rows(response: Response, rows: Iterable[Any]) -> list[DimensionScore]:
    """The dimension rows of a submitted response (not yet saved)."""
    day, month = response.submitted_on, response.month
    if day is None or month is None:
        raise ValueError("only a submitted response is scored")
    return [
        DimensionScore(
            response=response,
            survey_id=response.survey_id,
            outlet_id=response.outlet_id,
            submitted_on=day,
            month=month,
            tier_id=response.tier_id,
            segment=response.segment,
            dimension=dimension,
            **figures,
        )
        for dimension, figures in dimension_figures(rows).items()
    ]


def _submit(response: Response, definition: Definition, answers: Mapping[str, Any]) -> None:
    check_answers(definition, answers)  # every required question, on every page
    now = timezone.now()
    found = headline(response.answers.values_list("role", "number"))
    response.nps, response.csat = found.get("nps"), found.get("csat")
    response.ces, response.overall = found.get("ces"), found.get("overall")
    response.status = Response.Status.SUBMITTED
    response.submitted_on = timezone.localdate(now)
    response.month = response.submitted_on.replace(day=1)
    invitation = response.invitation
    if response.is_anonymous:
        # no trace of who: not the customer, not the invitation, not even the time
        response.customer, response.invitation = None, None
        response.started_at = response.submitted_at = None
    else:
        response.submitted_at = now
        if response.customer is not None:
            response.tier_id = response.customer.tier_id
            response.segment = response.customer.value_orientation
    response.resume_hash = ""
    response.save()
    if invitation is not None and response.is_anonymous:
        # The invitation forgets it was answered: it looks like one never opened, so nobody
        # can tell whose link brought an anonymous answer. Its token's hash moves to a spent
        # link (no customer, no outlet, no time), so the link still says it was answered.
        SpentLink.objects.create(token_hash=invitation.token_hash)
        Invitation.objects.filter(pk=invitation.pk).update(
            token_hash=token_hash(secrets.token_urlsafe(32))
        )
    elif invitation is not None:
        Invitation.objects.filter(pk=invitation.pk).update(used_on=response.submitted_on)
    DimensionScore.objects.bulk_create(
        dimension_rows(
            response, response.answers.values_list("role", "dimension", "item", "number")
        )
    )
    analyse_comments(response)
    _follow_up(response)


def follow_up_reasons(response: Response) -> list[str]:
    reasons = []
    if response.nps is not None and response.nps <= DETRACTOR_MAX:
        reasons.append(FollowUp.Reason.DETRACTOR.value)
    if response.csat is not None and response.csat <= LOW_CSAT_MAX:
        reasons.append(FollowUp.Reason.LOW_CSAT.value)
    below = DimensionScore.objects.filter(
        response=response, perception__isnull=False, adequate__isnull=False
    ).values_list("perception", "adequate")
    if any(below_adequate(p, a) for p, a in below):
        reasons.append(FollowUp.Reason.BELOW_ADEQUATE.value)
    return reasons


def _follow_up(response: Response) -> None:
    """Unhappy answers become work for the outlet; a customer's answer after a follow-up
    tells whether it helped."""
    if response.customer_id is not None:
        FollowUp.objects.filter(
            customer_id=response.customer_id, next_response__isnull=True,
            state__in=[FollowUp.State.CONTACTED, FollowUp.State.CLOSED],
        ).exclude(response=response).update(next_response=response)  # fmt: skip
    reasons = follow_up_reasons(response)
    if not reasons:
        return
    start = timezone.localtime()
    if response.is_anonymous:
        # counted from the start of the day: the due time must not give away the answer's
        start = start.replace(hour=0, minute=0, second=0, microsecond=0)
    due = add_working_hours(start, settings.BRANCHCX_SURVEY_FOLLOW_UP_HOURS, bank_overrides())
    # once per response: a response is submitted once, under its lock
    created = FollowUp.objects.create(
        response=response, outlet=response.outlet, customer=response.customer,
        reasons=reasons, due_at=due,
    )  # fmt: skip
    if response.is_anonymous:
        FollowUp.objects.filter(pk=created.pk).update(created_at=start)


@transaction.atomic
def do_leave_contact(response: Response, *, name: str, mobile: str) -> Response:
    """A lobby respondent asks to be contacted: the answer is then not anonymous, and the
    name and number are kept (sealed) for the outlet's follow-up."""
    locked = Response.objects.select_for_update().get(pk=response.pk)
    if locked.source != Response.Source.LOBBY_QR or locked.status != Response.Status.IN_PROGRESS:
        return locked
    errors: dict[str, str] = {}
    if not name.strip():
        errors["contact_name"] = _("Tell us how to address you.")
    try:
        number = normalise_mobile(mobile)
    except ValueError as exc:
        errors["contact_mobile"] = str(exc)
    if errors:
        raise ValidationError(errors)
    locked.contact_name, locked.contact_mobile = name.strip()[:50], number
    locked.is_anonymous = False
    locked.save(update_fields=["contact_name", "contact_mobile", "is_anonymous"])
    return locked
