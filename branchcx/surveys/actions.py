"""Every change to surveys: versions, invitations, answering (page by page, then once for
all), and the work an unhappy answer creates.

Answering happens without signing in, so these actions check the token or lobby code
instead of a user, lock the response they change, and never store anything twice: a second
submission of the same page (a double click, a retry after a timeout) finds the response
already moved on and changes nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pydantic import ValidationError as DefinitionError

from branchcx.audit.actions import Action, record
from branchcx.complaints.models import Complaint
from branchcx.customers.models import Customer
from branchcx.lib.errors import ConflictError
from branchcx.lib.identifiers import normalise_mobile
from branchcx.lib.periods import quarter_start
from branchcx.lib.workdays import add_working_hours
from branchcx.messaging.actions import enqueue
from branchcx.org.access import own_staff_profile
from branchcx.org.calendar import bank_overrides
from branchcx.org.models import Branch
from branchcx.org.scoping import require_perm
from branchcx.surveys.definition import (
    DIMENSIONS,
    AnswerError,
    AnswerRow,
    Definition,
    check_answers,
    parse,
)
from branchcx.surveys.models import (
    Answer,
    Dimension,
    DimensionScore,
    DistributionRule,
    ExpectationBelief,
    FeedbackCode,
    FollowUp,
    Invitation,
    Response,
    SpentLink,
    Survey,
    SurveyVersion,
)

DETRACTOR_MAX = 6  # NPS 0-6
LOW_CSAT_MAX = 2  # CSAT 1-2


class SurveyUnavailable(Exception):
    """The link cannot be answered; ``reason`` says why, for the respondent."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # unknown, expired, used, closed


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- questionnaires -------------------------------------------------------------------------


@transaction.atomic
def do_save_draft(
    actor: Any, survey: Survey, document: Mapping[str, Any], *, expected_version: int
) -> SurveyVersion:
    """Save new wording. Published versions never change: editing a live survey starts a new
    draft version, which respondents see once it is published."""
    require_perm(actor, "surveys.change_survey")
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if locked.version != expected_version:
        raise ConflictError
    try:
        definition = parse(document)
    except DefinitionError as exc:
        raise ValidationError({"definition": _describe(exc)}) from None
    latest = locked.versions.order_by("-number").first()
    stored = definition.model_dump(mode="json", exclude_none=True)
    if latest is not None and latest.published_at is None:
        latest.definition = stored
        latest.save(update_fields=["definition"])
        draft = latest
    else:
        draft = SurveyVersion.objects.create(
            survey=locked,
            number=(latest.number + 1) if latest else 1,
            definition=stored,
            created_by=own_staff_profile(actor),
        )
    locked.version += 1
    locked.save(update_fields=["version", "updated_at"])
    record(Action.CHANGE, actor=actor, target=locked, target_label=locked.code,
           detail={"draft": draft.number})  # fmt: skip
    return draft


def _describe(exc: DefinitionError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return f"{where}: {first.get('msg', '')}" if where else str(first.get("msg", ""))


@transaction.atomic
def do_publish(actor: Any, survey: Survey, *, expected_version: int) -> SurveyVersion:
    """Publish the draft: new respondents get it; answers already given keep their version."""
    require_perm(actor, "surveys.change_survey")
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if locked.version != expected_version:
        raise ConflictError
    draft = locked.versions.filter(published_at__isnull=True).order_by("-number").first()
    if draft is None:
        raise ValidationError({"__all__": _("There is no draft to publish.")})
    draft.published_at = timezone.now()
    draft.save(update_fields=["published_at"])
    locked.status = Survey.Status.LIVE
    locked.version += 1
    locked.save(update_fields=["status", "version", "updated_at"])
    record(Action.CHANGE, actor=actor, target=locked, target_label=locked.code,
           detail={"published": draft.number})  # fmt: skip
    return draft


@transaction.atomic
def do_close_survey(actor: Any, survey: Survey, *, expected_version: int) -> Survey:
    """Stop taking answers: open links then say the survey has ended."""
    require_perm(actor, "surveys.change_survey")
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if locked.version != expected_version:
        raise ConflictError
    locked.status = Survey.Status.CLOSED
    locked.version += 1
    locked.save(update_fields=["status", "version", "updated_at"])
    record(Action.CHANGE, actor=actor, target=locked, target_label=locked.code,
           detail={"status": "closed"})  # fmt: skip
    return locked


# --- invitations ----------------------------------------------------------------------------


def fatigue_days() -> int:
    return int(settings.BRANCHCX_SURVEY_FATIGUE_DAYS)


def recently_surveyed(customer: Customer, days: int | None = None) -> bool:
    """Whether the customer was invited (or answered) within the fatigue window."""
    since = timezone.now() - timedelta(days=fatigue_days() if days is None else days)
    return (
        Invitation.objects.filter(customer=customer, created_at__gte=since).exists()
        or Response.objects.filter(
            customer=customer, submitted_on__gte=timezone.localdate(since)
        ).exists()
    )


@transaction.atomic
def do_invite(
    actor: Any,
    survey: Survey,
    customer: Customer,
    *,
    outlet: Branch,
    trigger: str,
    channel: str,
    complaint: Any = None,
    rule: DistributionRule | None = None,
) -> tuple[Invitation, str]:
    """A one-time link for ``customer``. Returns the invitation and its token, which goes
    into the message and is not kept (only its hash is). Refused when the survey is not
    live or the customer was surveyed within the fatigue window."""
    if trigger == Invitation.Trigger.MANUAL:
        require_perm(actor, "surveys.add_invitation")
    # one invitation at a time per customer: concurrent triggers cannot both pass the check
    Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk").first()
    errors: dict[str, str] = {}
    if survey.status != Survey.Status.LIVE or survey.current() is None:
        errors["survey"] = _("This survey is not live.")
    if trigger not in Invitation.Trigger.values:
        errors["trigger"] = _("Choose what the invitation follows.")
    if channel not in Invitation.Channel.values:
        errors["channel"] = _("Choose how the invitation is sent.")
    if outlet.level != Branch.Level.OUTLET:
        errors["outlet"] = _("Invite on behalf of an outlet.")
    if recently_surveyed(customer):
        errors["customer"] = _(
            "This customer was surveyed in the last %(days)d days: we do not ask again so soon."
        ) % {"days": fatigue_days()}
    if errors:
        raise ValidationError(errors)
    token = secrets.token_urlsafe(24)
    invitation = Invitation.objects.create(
        survey=survey, token_hash=token_hash(token), customer=customer, outlet=outlet,
        trigger=trigger, channel=channel, complaint=complaint, rule=rule,
        created_by=own_staff_profile(actor) if actor is not None else None,
        expires_at=timezone.now() + timedelta(days=survey.invitation_days),
    )  # fmt: skip
    record(Action.CREATE, actor=actor, target=invitation, target_label=survey.code,
           detail={"trigger": trigger, "channel": channel})  # fmt: skip
    return invitation, token


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
    _analyse_comments(response)
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
    if any(p < a for p, a in below):
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


# --- distribution ---------------------------------------------------------------------------

FIRST_SWEEP_HOURS = 24  # a new rule looks back this far on its first run


def invitation_url(token: str) -> str:
    return settings.BRANCHCX_PUBLIC_URL.rstrip("/") + reverse(
        "surveys_public:respond", args=[token]
    )


def invitation_text(invitation: Invitation, token: str) -> str:
    """The message inviting the customer, in Chinese (customers are written to in the
    bank's language), naming the outlet and how long the link is valid."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "%(bank)sThank you for visiting %(outlet)s. Please take a minute to tell us how we "
            "did: %(url)s (valid for %(days)d days)"
        ) % {
            "bank": f"【{settings.BRANCHCX_BANK_NAME}】" if settings.BRANCHCX_BANK_NAME else "",
            "outlet": invitation.outlet.name,
            "url": invitation_url(token),
            "days": invitation.survey.invitation_days,
        }


def _send_invitation(invitation: Invitation, token: str) -> bool:
    """Queue the invitation's message; False when the customer has no address for it."""
    customer = invitation.customer
    recipient = customer.mobile if invitation.channel == Invitation.Channel.SMS else customer.email
    if not recipient:
        return False
    enqueue(
        channel=invitation.channel,
        recipient=recipient,
        subject=str(invitation.survey.name),
        body=invitation_text(invitation, token),
        purpose="survey_invitation",
        outlet=invitation.outlet,
    )
    return True


def run_distribution(now: datetime | None = None) -> dict[str, int]:
    """Invite the customers the active rules select since each rule's last run: a share of
    them (sampling), within each outlet's daily quota, none surveyed within the fatigue
    window, and only those with an address for the rule's channel. Each rule's run is one
    transaction; a rule that fails leaves its window to the next run."""
    from branchcx.surveys.queries import invitation_candidates, invited_today

    now = now or timezone.now()
    counts = {"invited": 0, "no_address": 0, "over_quota": 0}
    for rule in DistributionRule.objects.filter(is_active=True).select_related("survey", "unit"):
        with transaction.atomic():
            locked = DistributionRule.objects.select_for_update().get(pk=rule.pk)
            since = locked.swept_until or now - timedelta(hours=FIRST_SWEEP_HOURS)
            if locked.survey.status == Survey.Status.LIVE:
                used = invited_today(locked, timezone.localdate(now))
                candidates = invitation_candidates(locked, since, now)
                customers = Customer.objects.in_bulk([c for c, _o, _x in candidates])
                outlets = Branch.objects.in_bulk({o for _c, o, _x in candidates})
                complaints = Complaint.objects.in_bulk({x for _c, _o, x in candidates if x})
                for customer_id, outlet_id, complaint_id in candidates:
                    if locked.daily_quota and used.get(outlet_id, 0) >= locked.daily_quota:
                        counts["over_quota"] += 1
                        continue
                    try:
                        with transaction.atomic():
                            invitation, token = do_invite(
                                None, locked.survey, customers[customer_id],
                                outlet=outlets[outlet_id], trigger=locked.trigger,
                                channel=locked.channel, complaint=complaints.get(complaint_id),
                                rule=locked,
                            )  # fmt: skip
                            if not _send_invitation(invitation, token):
                                raise _NoAddress
                    except _NoAddress:
                        counts["no_address"] += 1
                        continue
                    except ValidationError:  # surveyed meanwhile: the fatigue rule holds
                        continue
                    used[outlet_id] = used.get(outlet_id, 0) + 1
                    counts["invited"] += 1
            locked.swept_until = now
            locked.save(update_fields=["swept_until"])
    return counts


class _NoAddress(Exception):
    """The customer has no mobile (or email) to send the invitation to."""


# --- follow-ups -----------------------------------------------------------------------------

CONTACT_METHODS = ("phone", "visit", "sms", "wechat", "letter")


@transaction.atomic
def do_record_follow_up(
    actor: Any,
    follow_up: FollowUp,
    *,
    expected_version: int,
    method: str,
    outcome: str,
    close: bool,
) -> FollowUp:
    """Record contacting the customer (or, for an anonymous answer, looking into it) and
    what came of it; closing ends the follow-up. A later record adds to the outcome: what
    was said before is kept."""
    require_perm(actor, "surveys.change_followup")
    locked = FollowUp.objects.visible_to(actor).select_for_update(of=("self",)).get(pk=follow_up.pk)
    if locked.version != expected_version:
        raise ConflictError
    errors: dict[str, str] = {}
    if locked.state == FollowUp.State.CLOSED:
        errors["__all__"] = _("This follow-up is closed.")
    if method not in CONTACT_METHODS:
        errors["method"] = _("Choose how the customer was contacted.")
    if not outcome.strip():
        errors["outcome"] = _("Write down what the customer said and what was agreed.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    entry = f"[{timezone.localtime(now):%Y-%m-%d %H:%M}] {outcome.strip()}"
    locked.outcome = f"{locked.outcome}\n{entry}" if locked.outcome else entry
    locked.contact_method = method
    locked.contacted_at = locked.contacted_at or now
    locked.state = FollowUp.State.CLOSED if close else FollowUp.State.CONTACTED
    locked.closed_at = now if close else None
    locked.assigned_to = locked.assigned_to or own_staff_profile(actor)
    locked.version += 1
    locked.save()
    record(Action.CHANGE, actor=actor, target=locked, target_label=str(locked.outlet),
           detail={"state": locked.state, "method": method})  # fmt: skip
    return locked


# --- rules and lobby codes -----------------------------------------------------------------


@transaction.atomic
def do_issue_feedback_code(actor: Any, *, survey: Survey, outlet: Branch) -> FeedbackCode:
    """A new QR code for an outlet's lobby stand; the outlet's previous code for the survey
    stops working (a reprinted stand retires the old print)."""
    require_perm(actor, "surveys.add_feedbackcode")
    if outlet.level != Branch.Level.OUTLET:
        raise ValidationError({"outlet": _("Lobby codes belong to outlets.")})
    FeedbackCode.objects.filter(survey=survey, outlet=outlet, is_active=True).update(
        is_active=False
    )
    created = FeedbackCode.objects.create(survey=survey, outlet=outlet)
    record(Action.CREATE, actor=actor, target=created, target_label=str(outlet),
           detail={"survey": survey.code})  # fmt: skip
    return created


def lobby_url(lobby: FeedbackCode) -> str:
    return settings.BRANCHCX_PUBLIC_URL.rstrip("/") + reverse(
        "surveys_public:lobby", args=[lobby.code]
    )


def qr_svg(url: str, *, scalable: bool = False) -> str:
    """The URL as a QR code (SVG), with error correction that survives a worn print;
    ``scalable``: a viewBox instead of a size, so that print CSS sizes it."""
    import segno

    code = segno.make(url, error="q", micro=False)
    if scalable:
        return str(code.svg_inline(border=4, omitsize=True))
    return str(code.svg_inline(scale=8, border=4))


# --- follow-ups that became complaints -------------------------------------------------------


@transaction.atomic
def do_link_complaint(actor: Any, follow_up: FollowUp, complaint: Complaint) -> FollowUp:
    """Tie a complaint registered from a follow-up to it, so the follow-up shows where the
    matter went. Runs inside the complaint's registration: both are kept, or neither."""
    require_perm(actor, "surveys.change_followup")
    locked = FollowUp.objects.visible_to(actor).select_for_update(of=("self",)).get(pk=follow_up.pk)
    if locked.complaint_id is not None:
        raise ValidationError(_("A complaint was already registered from this follow-up."))
    if locked.customer_id is None or locked.customer_id != complaint.customer_id:
        raise ValidationError(_("The complaint is not about the customer who answered."))
    locked.complaint = complaint
    locked.version += 1
    locked.save(update_fields=["complaint", "version"])
    record(Action.CHANGE, actor=actor, target=locked, target_label=str(locked.outlet),
           detail={"complaint": complaint.number})  # fmt: skip
    return locked


# --- survey management pages (staff side) ---------------------------------------------------


@transaction.atomic
def do_create_survey(
    actor: Any,
    *,
    code: str,
    kind: str,
    name: str,
    name_en: str = "",
    allow_anonymous: bool = True,
    invitation_days: int = 14,
    document: Mapping[str, Any],
) -> Survey:
    """A new survey, not yet live: its first version is a draft to check and publish."""
    require_perm(actor, "surveys.add_survey")
    errors: dict[str, str] = {}
    if Survey.objects.filter(code=code).exists():
        errors["code"] = _("A survey with this code exists already.")
    if kind not in Survey.Kind.values:
        errors["kind"] = _("Choose the kind of survey.")
    if not name.strip():
        errors["name"] = _("Give the survey a name.")
    if not 1 <= invitation_days <= 90:
        errors["invitation_days"] = _("An invitation stays valid for 1 to 90 days.")
    try:
        stored = parse(document).model_dump(mode="json", exclude_none=True)
    except DefinitionError as exc:
        errors["definition"] = _describe(exc)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            survey = Survey.objects.create(
                code=code, kind=kind, name=name.strip(), name_en=name_en.strip(),
                allow_anonymous=allow_anonymous, invitation_days=invitation_days,
            )  # fmt: skip
    except IntegrityError:  # a colleague took the code a moment ago
        raise ValidationError({"code": _("A survey with this code exists already.")}) from None
    SurveyVersion.objects.create(
        survey=survey, number=1, definition=stored, created_by=own_staff_profile(actor)
    )
    record(Action.CREATE, actor=actor, target=survey, target_label=survey.code,
           detail={"kind": kind, "draft": 1})  # fmt: skip
    return survey


@transaction.atomic
def do_add_rule(
    actor: Any,
    *,
    survey: Survey,
    unit: Branch,
    trigger: str,
    channel: str,
    sample_percent: int = 100,
    daily_quota: int = 50,
    transaction_kinds: list[str] | None = None,
) -> DistributionRule:
    """A new rule for inviting the customers of ``unit``'s outlets: head office for any unit,
    a branch manager for the units of their own branch; not for a closed survey."""
    from branchcx.customers.models import Transaction

    require_perm(actor, "surveys.add_distributionrule")
    kinds = sorted(set(transaction_kinds or []))
    errors: dict[str, str] = {}
    if not Branch.objects.visible_to(actor).filter(pk=unit.pk).exists():
        errors["unit"] = _("Choose one of your units.")
    if survey.status != Survey.Status.LIVE:
        # a draft's events would be swept past unanswered: rules start with a live survey
        errors["survey"] = _("Only a live survey can bring invitations.")
    if trigger not in (Invitation.Trigger.COMPLAINT_CLOSED, Invitation.Trigger.TRANSACTION,
                       Invitation.Trigger.QUEUE_VISIT):  # fmt: skip
        errors["trigger"] = _("Choose what the invitation follows.")
    if channel not in (Invitation.Channel.SMS, Invitation.Channel.EMAIL):
        errors["channel"] = _("Invitations go by SMS or email.")
    if not 1 <= sample_percent <= 100:
        errors["sample_percent"] = _("Give a share from 1 to 100 per cent.")
    if daily_quota < 0:
        errors["daily_quota"] = _("The number cannot be negative.")
    if trigger == Invitation.Trigger.TRANSACTION and (
        not kinds or not set(kinds) <= set(Transaction.Kind.values)
    ):
        errors["transaction_kinds"] = _("Choose the transaction types that bring an invitation.")
    if errors:
        raise ValidationError(errors)
    if trigger != Invitation.Trigger.TRANSACTION:
        kinds = []  # only a transaction rule looks at the types
    created = DistributionRule.objects.create(
        survey=survey, unit=unit, trigger=trigger, channel=channel,
        sample_percent=sample_percent, daily_quota=daily_quota, transaction_kinds=kinds,
    )  # fmt: skip
    record(Action.CREATE, actor=actor, target=created, target_label=str(created),
           detail={"trigger": trigger, "sample_percent": sample_percent,
                   "daily_quota": daily_quota, "transaction_kinds": kinds})  # fmt: skip
    return created


@transaction.atomic
def do_set_rule_active(
    actor: Any, rule: DistributionRule, *, active: bool, expected_version: int
) -> DistributionRule:
    """Switch a rule off (no more invitations from it) or on again. A rule switched back on
    starts from now: the events while it was off do not bring invitations."""
    require_perm(actor, "surveys.change_distributionrule")
    locked = (
        DistributionRule.objects.visible_to(actor).select_for_update(of=("self",)).get(pk=rule.pk)
    )
    if locked.version != expected_version:
        raise ConflictError
    if locked.is_active != active:
        locked.is_active = active
        if active:
            locked.swept_until = timezone.now()
        locked.version += 1
        locked.save(update_fields=["is_active", "swept_until", "version"])
        record(Action.CHANGE, actor=actor, target=locked, target_label=str(locked),
               detail={"is_active": active})  # fmt: skip
    return locked


@transaction.atomic
def do_retire_feedback_code(actor: Any, lobby: FeedbackCode) -> FeedbackCode:
    """Stop a lobby code: its printed QR code answers "not valid" from now on."""
    require_perm(actor, "surveys.change_feedbackcode")
    locked = FeedbackCode.objects.visible_to(actor).select_for_update(of=("self",)).get(pk=lobby.pk)
    if locked.is_active:
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        record(Action.CHANGE, actor=actor, target=locked, target_label=str(locked.outlet),
               detail={"survey": locked.survey.code, "is_active": False})  # fmt: skip
    return locked


@transaction.atomic
def do_invite_by_hand(
    actor: Any, survey: Survey, customer: Customer, *, outlet: Branch, channel: str
) -> tuple[Invitation, str]:
    """A member of staff invites one customer: by SMS or email (queued in the outbox with the
    invitation, or neither when the customer has no address for it), or handed over printed
    or on screen (the caller shows the token once; it is kept nowhere)."""
    invitation, token = do_invite(
        actor, survey, customer, outlet=outlet, trigger=Invitation.Trigger.MANUAL,
        channel=channel,
    )  # fmt: skip
    if channel != Invitation.Channel.PRINTED and not _send_invitation(invitation, token):
        raise ValidationError({"channel": _("The customer has no address for this channel.")})
    return invitation, token


# --- expectation beliefs (satisfaction dashboard and expectation views, issue 5 items 4-5) ------

BELIEF_SCALE = (1.0, 7.0)


def belief_stamp(beliefs: Iterable[ExpectationBelief]) -> str:
    """What a manager saw of a unit's beliefs for a quarter (how many, the latest time): the
    version a re-recording is checked against, so nobody overwrites a colleague's figures
    recorded after they opened the page."""
    found = list(beliefs)
    if not found:
        return ""
    return f"{len(found)}:{max(b.recorded_at for b in found).isoformat()}"


@transaction.atomic
def do_record_beliefs(
    actor: Any,
    *,
    unit: Branch,
    quarter: date,
    expectations: Mapping[str, float],
    note: str = "",
    seen: str = "",
) -> list[ExpectationBelief]:
    """Record what a unit's managers believe customers expect on each SERVQUAL dimension in a
    quarter (1-7). Recording the same unit, dimension and quarter again updates it. ``seen``
    is :func:`belief_stamp` of the beliefs the manager was shown: if they changed since,
    ConflictError. New beliefs need the add permission, changed ones the change permission;
    each written belief is audited with its old and new level."""
    if not Branch.objects.visible_to(actor).filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("Choose one of the units listed.")})
    if quarter != quarter_start(quarter) or quarter > quarter_start(timezone.localdate()):
        raise ValidationError({"quarter": _("Choose one of the quarters listed.")})
    errors: dict[str, str] = {}
    low, high = BELIEF_SCALE
    for dimension in Dimension.values:
        value = expectations.get(dimension)
        if value is None or not low <= float(value) <= high:
            errors[dimension] = _("Enter a level from 1 to 7.")
    if set(expectations) - set(Dimension.values):
        errors["__all__"] = _("Only the five service-quality dimensions can be recorded.")
    if errors:
        raise ValidationError(errors)
    profile = own_staff_profile(actor)
    if profile is None:
        raise ValidationError(_("Only members of staff can record what customers expect."))
    existing = {
        b.dimension: b
        for b in ExpectationBelief.objects.visible_to(actor)
        .select_for_update()
        .filter(unit=unit, quarter=quarter)
    }
    if belief_stamp(existing.values()) != seen:
        raise ConflictError(
            _(
                "Someone recorded beliefs for this unit and quarter after you opened the page. "
                "Their figures are shown now: check them and record again."
            )
        )
    require_perm(actor, "surveys.add_expectationbelief")
    if existing:
        require_perm(actor, "surveys.change_expectationbelief")
    now = timezone.now()
    written = []
    for dimension in Dimension.values:
        level = round(float(expectations[dimension]), 2)
        belief = existing.get(dimension)
        before = None if belief is None else belief.expectation
        if belief is None:
            belief = ExpectationBelief(unit=unit, dimension=dimension, quarter=quarter)
        elif before == level and belief.note == note:
            written.append(belief)
            continue
        belief.expectation, belief.note = level, note
        belief.recorded_by, belief.recorded_at = profile, now
        try:
            with transaction.atomic():
                belief.save()
        except IntegrityError:
            # a colleague recorded the first figures for this quarter at the same moment
            raise ConflictError(
                _(
                    "Someone recorded beliefs for this unit and quarter after you opened the "
                    "page. Their figures are shown now: check them and record again."
                )
            ) from None
        record(
            Action.CREATE if before is None else Action.CHANGE,
            actor=actor,
            target=belief,
            target_label=f"{unit.code} {dimension} {quarter:%Y-%m}",
            detail={"unit": unit.code, "dimension": dimension, "quarter": f"{quarter}",
                    "before": before, "after": level},
        )  # fmt: skip
        written.append(belief)
    return written


# --- comment sentiment and themes (survey comments) -----------------------------------------


def _analysis_of(answer: Answer) -> tuple[int | None, list[str]]:
    """A comment's sentiment and themes; (None, []) when the analysis fails (logged without
    the text), left for ``do_analyse_comments`` to try again."""
    from branchcx.surveys.comments import analyse_or_none

    found = analyse_or_none(answer.text or "", ref=answer.pk)
    return (None, []) if found is None else (found.sentiment, list(found.themes))


def _analyse_comments(response: Response) -> None:
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
