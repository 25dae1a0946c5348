"""The bank's organisation: units (head office, branches, outlets), staff and API tokens."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branchcx.lib.crypto import BlindIndexField, EncryptedTextField
from branchcx.lib.identifiers import normalise_mobile, normalise_resident_id
from branchcx.org.scoping import ScopedManager

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LABELS = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}


def ancestor_paths(path: str) -> list[str]:
    """The paths of a unit and every unit above it: ``/HO/SH01/SH0101/`` gives ``/HO/``,
    ``/HO/SH01/`` and ``/HO/SH01/SH0101/``."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]


class Branch(models.Model):
    """One organisation unit. Outlets (支行/网点) belong to a branch (分行) under head office."""

    class Level(models.TextChoices):
        HEAD_OFFICE = "head_office", _("Head office")
        BRANCH = "branch", _("Branch")
        OUTLET = "outlet", _("Outlet")

    # The parent level each level must hang under.
    PARENT_LEVEL: ClassVar[dict[str, str | None]] = {
        Level.HEAD_OFFICE: None,
        Level.BRANCH: Level.HEAD_OFFICE,
        Level.OUTLET: Level.BRANCH,
    }

    code = models.CharField(
        _("code"),
        max_length=12,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Z0-9]{2,12}$", _("Use 2 to 12 capital letters or digits."))
        ],
        help_text=_("The bank's own unit code; it cannot change once created."),
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # Materialised path of codes, e.g. "/HO/SH01/SH0101/": scoping filters by prefix.
    path = models.CharField(max_length=255, unique=True, editable=False)
    city = models.CharField(_("city"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    opening_hours = models.JSONField(
        _("opening hours"),
        default=dict,
        blank=True,
        help_text=_('Per weekday, e.g. {"mon": "09:00-17:00", "sat": "09:30-16:00"}.'),
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    scope_field = ""
    objects = ScopedManager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def opening_hours_rows(self) -> list[tuple[str, str]]:
        hours = self.opening_hours or {}
        return [(str(WEEKDAY_LABELS[day]), hours.get(day) or str(_("Closed"))) for day in WEEKDAYS]


class Role(models.TextChoices):
    HEAD_OFFICE_ADMIN = "head_office_admin", _("Head-office administrator")
    BRANCH_MANAGER = "branch_manager", _("Branch manager")
    LOBBY_MANAGER = "lobby_manager", _("Lobby manager")
    TELLER = "teller", _("Teller / customer service")
    RELATIONSHIP_MANAGER = "relationship_manager", _("Relationship manager")
    COMPLAINT_OFFICER = "complaint_officer", _("Complaint officer")
    AUDITOR = "auditor", _("Auditor")


class StaffProfile(models.Model):
    """A member of staff: the Django user, the unit they work in, and their role."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff"
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="staff"
    )
    employee_no = models.CharField(
        _("employee number"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9-]{3,20}$", _("Use 3 to 20 letters or digits."))],
    )
    full_name = models.CharField(_("full name"), max_length=50)
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    mobile = EncryptedTextField(_("mobile"), purpose="staff.mobile")
    mobile_index = BlindIndexField(
        source="mobile", purpose="staff.mobile", normaliser=normalise_mobile
    )
    id_number = EncryptedTextField(_("resident ID number"), purpose="staff.id_number")
    id_number_index = BlindIndexField(
        source="id_number", purpose="staff.id_number", normaliser=normalise_resident_id
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Set when someone else chose the password (a temporary one): the person must pick their
    # own before doing anything else, so nobody else ever knows a working password.
    must_change_password = models.BooleanField(default=False, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["mobile_index", "id_number_index"])
    scope_field = "branch"
    objects = ScopedManager()

    class Meta:
        ordering = ["branch__path", "employee_no"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self) -> str:
        return f"{self.employee_no} {self.full_name}"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 digest is stored; the secret is shown once."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    scope_exempt = "A person's own tokens: access.get_own_token filters by owner."

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class CalendarDay(models.Model):
    """The bank's correction of the public-holiday calendar for one day: a holiday or
    make-up working day the bundled schedule does not know yet (next year's, announced
    each November), or a local arrangement. It wins over the schedule."""

    day = models.DateField(_("day"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    scope_exempt = "The bank's calendar, the same for the whole network."

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.day} {'working' if self.is_working_day else 'holiday'}"
