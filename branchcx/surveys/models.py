"""Surveys (满意度调查): questionnaires and their versions, invitations with one-time tokens,
responses with their answers, per-dimension scores for the analytics, follow-ups that turn
unhappy answers into work, and what managers believe customers expect.

Anonymity is structural: an anonymous response has no customer, no invitation and only the
day it was given (no time), so not even an administrator with the database can tie it to a
person through the invitation it came from.
"""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchcx.lib.crypto import EncryptedTextField
from branchcx.org.scoping import ScopedManager
from branchcx.surveys.definition import Definition, parse


class Dimension(models.TextChoices):
    """SERVQUAL's five dimensions of service quality (Parasuraman, Zeithaml & Berry 1988)."""

    TANGIBLES = "tangibles", _("Tangibles")
    RELIABILITY = "reliability", _("Reliability")
    RESPONSIVENESS = "responsiveness", _("Responsiveness")
    ASSURANCE = "assurance", _("Assurance")
    EMPATHY = "empathy", _("Empathy")


class Survey(models.Model):
    """A questionnaire the bank runs. Its wording lives in versions: editing a live survey
    creates a new version, and every response keeps the version it answered."""

    class Kind(models.TextChoices):
        SERVQUAL = "servqual", _("Service quality (SERVQUAL)")
        POST_VISIT = "post_visit", _("After a visit")
        POST_COMPLAINT = "post_complaint", _("After a complaint")
        CUSTOM = "custom", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        LIVE = "live", _("Live")
        CLOSED = "closed", _("Closed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    # Lobby QR answers are anonymous unless the customer chooses to say who they are.
    allow_anonymous = models.BooleanField(_("anonymous answers allowed"), default=True)
    invitation_days = models.PositiveSmallIntegerField(_("invitation valid for (days)"), default=14)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_exempt = "Questionnaires are shared by the whole network; responses are scoped."

    class Meta:
        ordering = ["code"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        permissions = [
            ("export_responses", _("Can export survey responses (masked)")),
            ("view_scores", _("Can see survey scores and dashboards")),
        ]

    def __str__(self) -> str:
        return self.name

    def current(self) -> SurveyVersion | None:
        """The version new respondents answer: the latest published one."""
        return self.versions.filter(published_at__isnull=False).order_by("-number").first()


class SurveyVersion(models.Model):
    """One wording of a survey. Published versions never change (responses point at them);
    a draft is edited until it is published."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("questionnaire"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_by = models.ForeignKey(
        "org.StaffProfile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_exempt = "Part of a network-wide questionnaire."

    class Meta:
        ordering = ["survey", "number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="survey_version_number")
        ]
        verbose_name = _("survey version")
        verbose_name_plural = _("survey versions")

    def __str__(self) -> str:
        return f"{self.survey} v{self.number}"

    def parsed(self) -> Definition:
        cached: Definition | None = getattr(self, "_parsed", None)
        if cached is None:
            cached = parse(self.definition)
            self._parsed = cached
        return cached


class Invitation(models.Model):
    """A one-time link to a survey for one customer. Only a hash of its token is kept: the
    token itself exists in the message sent and nowhere else."""

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Sent by staff")
        QUEUE_VISIT = "queue_visit", _("After a served visit")
        COMPLAINT_CLOSED = "complaint_closed", _("After a closed complaint")
        TRANSACTION = "transaction", _("After a transaction")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")
        PRINTED = "printed", _("Handed over (printed or shown)")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
        related_name="survey_invitations",
    )  # fmt: skip
    outlet = models.ForeignKey(
        "org.Branch", verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="+"
    )
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    created_by = models.ForeignKey(
        "org.StaffProfile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rule = models.ForeignKey(
        "surveys.DistributionRule", on_delete=models.PROTECT, null=True, blank=True,
        related_name="invitations",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    # The day an identified answer came through the link (not the time). A link answered
    # anonymously stays empty here and its token moves to a SpentLink: see that model.
    used_on = models.DateField(_("answered on"), null=True, blank=True)

    scope_field = "outlet"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="invitation_customer_time"),
            models.Index(fields=["outlet", "created_at"], name="invitation_outlet_time"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} → {self.customer}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class SpentLink(models.Model):
    """The token hash of an invitation answered anonymously. The invitation itself forgets it
    was answered (its hash is replaced by a random one and nothing marks it used), so neither
    staff nor an administrator can tell whose link brought an anonymous answer; this row only
    lets the link say "already answered" when it is opened again."""

    token_hash = models.CharField(max_length=64, unique=True, editable=False)

    scope_exempt = "Holds a hash only: no customer, outlet or time."

    class Meta:
        verbose_name = _("spent survey link")
        verbose_name_plural = _("spent survey links")

    def __str__(self) -> str:
        return self.token_hash[:8]


class DistributionRule(models.Model):
    """When to invite customers, for a unit's outlets: after a closed complaint, a transaction
    of chosen kinds, or a served queue visit; a share of them (sampling), at most so many a day
    per outlet (quota), never a customer surveyed within the fatigue window."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="rules"
    )
    unit = models.ForeignKey(
        "org.Branch", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    trigger = models.CharField(_("after"), max_length=20, choices=Invitation.Trigger.choices)
    transaction_kinds = models.JSONField(_("transaction types"), default=list, blank=True)
    channel = models.CharField(_("sent by"), max_length=8, choices=Invitation.Channel.choices)
    sample_percent = models.PositiveSmallIntegerField(_("share invited (%)"), default=100)
    daily_quota = models.PositiveIntegerField(
        _("at most per outlet per day"), default=50, help_text=_("0 for no limit.")
    )
    is_active = models.BooleanField(_("in use"), default=True)
    # Events up to this time have been considered: the next run starts here.
    swept_until = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_field = "unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["survey", "unit", "trigger"]
        verbose_name = _("distribution rule")
        verbose_name_plural = _("distribution rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sample_percent__gte=1, sample_percent__lte=100),
                name="rule_sample_is_a_percentage",
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey} {self.unit} {self.trigger}"


def feedback_code() -> str:
    return secrets.token_urlsafe(9)


class FeedbackCode(models.Model):
    """The QR code on an outlet's lobby stand: an opaque code in the printed URL, replaceable
    (a new code retires the old print) without touching the responses it brought in."""

    code = models.CharField(max_length=16, unique=True, default=feedback_code, editable=False)
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="feedback_codes"
    )
    outlet = models.ForeignKey(
        "org.Branch", verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_field = "outlet"
    objects = ScopedManager()

    class Meta:
        ordering = ["outlet", "-created_at"]
        verbose_name = _("lobby QR code")
        verbose_name_plural = _("lobby QR codes")

    def __str__(self) -> str:
        return f"{self.outlet} {self.survey}"


class Response(models.Model):
    """One respondent's answers to one version of a survey, saved page by page until
    submitted. Identified responses name the customer; anonymous ones name nobody."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("Started")
        SUBMITTED = "submitted", _("Submitted")

    class Source(models.TextChoices):
        INVITATION = "invitation", _("Invitation link")
        LOBBY_QR = "lobby_qr", _("Lobby QR code")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="responses"
    )
    survey_version = models.ForeignKey(
        SurveyVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="+"
    )
    invitation = models.OneToOneField(
        Invitation, on_delete=models.PROTECT, null=True, blank=True, related_name="response"
    )
    feedback_code = models.ForeignKey(
        FeedbackCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    outlet = models.ForeignKey(
        "org.Branch", verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="survey_responses",
    )  # fmt: skip
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    # A lobby respondent who asks to be contacted leaves a name and number (not checked
    # against the customer records: anyone can type any number; staff make the match).
    contact_name = EncryptedTextField(_("contact name"), purpose="survey.contact_name")
    contact_mobile = EncryptedTextField(_("contact mobile"), purpose="survey.contact_mobile")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS
    )
    # A hash of the secret that lets a lobby respondent come back to a half-answered survey.
    resume_hash = models.CharField(max_length=64, blank=True, editable=False)
    sections_done = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)  # cleared when anonymous
    submitted_on = models.DateField(_("answered on"), null=True, blank=True)
    month = models.DateField(null=True, blank=True)  # first day of submitted_on's month
    submitted_at = models.DateTimeField(null=True, blank=True)  # None when anonymous
    # Snapshots at submission, so a later tier change does not rewrite history.
    tier = models.ForeignKey(
        "customers.TierLevel", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    segment = models.CharField(_("segment"), max_length=12, blank=True)
    # The headline answers, copied from the answers for set-based dashboards.
    nps = models.PositiveSmallIntegerField(null=True, blank=True)
    csat = models.PositiveSmallIntegerField(null=True, blank=True)
    ces = models.PositiveSmallIntegerField(null=True, blank=True)
    overall = models.PositiveSmallIntegerField(null=True, blank=True)

    scope_field = "outlet"
    objects = ScopedManager()

    class Meta:
        ordering = ["-submitted_on", "-id"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [
            models.Index(fields=["outlet", "submitted_on"], name="response_outlet_day"),
            # covers the dashboard's grouped scan of the headline answers
            models.Index(
                fields=["status", "outlet", "month", "tier", "segment", "nps", "csat", "ces"],
                name="response_scores",
            ),
            models.Index(fields=["survey", "submitted_on"], name="response_survey_day"),
            models.Index(fields=["customer", "submitted_on"], name="response_customer_day"),
        ]
        constraints = [
            # once submitted, an anonymous response names nobody and keeps no time
            models.CheckConstraint(
                condition=models.Q(is_anonymous=False)
                | models.Q(status="in_progress")
                | models.Q(
                    customer__isnull=True,
                    invitation__isnull=True,
                    submitted_at__isnull=True,
                    started_at__isnull=True,
                ),
                name="response_anonymous_names_nobody",
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey} {self.submitted_on or ''}"


class Answer(models.Model):
    """One stored value of a response (see ``definition.AnswerRow``)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question_key = models.CharField(max_length=40)
    role = models.CharField(max_length=12)
    dimension = models.CharField(max_length=16, blank=True)
    item = models.PositiveSmallIntegerField(null=True, blank=True)
    number = models.SmallIntegerField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)
    # Comments can name people: sealed like every other personal text.
    text = EncryptedTextField(_("comment"), purpose="survey.answer")
    sentiment = models.SmallIntegerField(null=True, blank=True)  # -1, 0, 1 for comments
    themes = models.JSONField(default=list, blank=True)  # the dimensions a comment is about

    scope_field = "response__outlet"
    objects = ScopedManager()

    class Meta:
        ordering = ["response", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question_key", "role", "dimension"],
                name="answer_once_per_part",
            )
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return f"{self.question_key}/{self.role}"


class DimensionScore(models.Model):
    """A submitted response's mean answer per SERVQUAL dimension: what the dashboards
    aggregate (five narrow rows per response instead of forty-four answers). The response's
    survey, outlet, day, month, tier and segment are copied in (they never change once it is
    submitted), so the dashboards group these rows without joining the responses."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="dimensions")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="+")
    outlet = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="+")
    submitted_on = models.DateField()
    month = models.DateField()
    tier = models.ForeignKey(
        "customers.TierLevel", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    segment = models.CharField(max_length=12, blank=True)
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    expectation = models.FloatField(null=True, blank=True)
    perception = models.FloatField(null=True, blank=True)
    adequate = models.FloatField(null=True, blank=True)
    desired = models.FloatField(null=True, blank=True)
    importance = models.FloatField(null=True, blank=True)  # points of 100
    gap = models.FloatField(null=True, blank=True)  # mean of the item gaps P - E

    scope_field = "outlet"
    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "dimension"], name="dimension_once")
        ]
        indexes = [
            # covers the dashboard's grouped scan: the rows are never read, only this index
            models.Index(
                fields=[
                    "outlet",
                    "month",
                    "tier",
                    "segment",
                    "dimension",
                    "expectation",
                    "perception",
                    "gap",
                    "adequate",
                    "desired",
                    "importance",
                ],
                name="dimension_scores",
            )
        ]
        verbose_name = _("dimension score")
        verbose_name_plural = _("dimension scores")

    def __str__(self) -> str:
        return f"{self.response_id} {self.dimension}"


class FollowUp(models.Model):
    """Work created by an unhappy answer: someone at the outlet contacts the customer (or, for
    an anonymous answer, looks into what was said) by the due time and records the outcome."""

    class Reason(models.TextChoices):
        DETRACTOR = "detractor", _("Would not recommend us (0-6)")
        LOW_CSAT = "low_csat", _("Dissatisfied (1-2)")
        BELOW_ADEQUATE = "below_adequate", _("Service below the adequate level")

    class State(models.TextChoices):
        OPEN = "open", _("Not yet contacted")
        CONTACTED = "contacted", _("Contacted")
        CLOSED = "closed", _("Closed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    response = models.OneToOneField(Response, on_delete=models.PROTECT, related_name="follow_up")
    outlet = models.ForeignKey(
        "org.Branch", verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, null=True, blank=True,
        related_name="survey_follow_ups",
    )  # fmt: skip
    reasons = models.JSONField(_("reasons"), default=list)
    due_at = models.DateTimeField(_("due"))
    assigned_to = models.ForeignKey(
        "org.StaffProfile", verbose_name=_("assigned to"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.OPEN)  # fmt: skip
    contacted_at = models.DateTimeField(_("contacted"), null=True, blank=True)
    contact_method = models.CharField(_("contacted by"), max_length=12, blank=True)
    outcome = EncryptedTextField(_("outcome"), purpose="survey.follow_up")
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The customer's next response after this follow-up: did it help?
    next_response = models.ForeignKey(
        Response, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_field = "outlet"
    objects = ScopedManager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("survey follow-up")
        verbose_name_plural = _("survey follow-ups")
        indexes = [models.Index(fields=["outlet", "state", "due_at"], name="follow_up_queue")]

    def __str__(self) -> str:
        return f"{self.outlet} {self.due_at:%Y-%m-%d}"


class ExpectationBelief(models.Model):
    """What a unit's managers believe customers expect on one dimension, for one quarter (the
    "knowledge gap": compared with what customers said they expect)."""

    unit = models.ForeignKey(
        "org.Branch", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    quarter = models.DateField(_("quarter"))  # its first day
    expectation = models.FloatField(_("expected level (1-7)"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey("org.StaffProfile", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    scope_field = "unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["-quarter", "unit", "dimension"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "dimension", "quarter"], name="belief_once_per_quarter"
            ),
            models.CheckConstraint(
                condition=models.Q(expectation__gte=1, expectation__lte=7),
                name="belief_on_the_scale",
            ),
        ]
        verbose_name = _("expectation belief")
        verbose_name_plural = _("expectation beliefs")

    def __str__(self) -> str:
        return f"{self.unit} {self.dimension} {self.quarter}"


from branchcx.surveys.rollup_models import (  # noqa: E402, F401  (rollup tables)
    DimensionTally,
    DriverMoments,
    ResponseTally,
    ScaleMoments,
)
