"""Every change to the organisation: atomic, locked, checked, audited.

Callers (views, API, commands) fetch the objects through ``access.py`` first, so anything
passed in here is already inside the actor's scope.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.audit.actions import Action, record
from branchcx.audit.context import suppress_m2m_audit
from branchcx.lib.identifiers import normalise_mobile, normalise_resident_id
from branchcx.lib.locking import lock_for_update
from branchcx.lib.masking import mask_name
from branchcx.org.access import role_of
from branchcx.org.models import WEEKDAYS, ApiToken, Branch, Role, StaffProfile
from branchcx.org.roles import ASSIGNABLE_ROLES, HEAD_OFFICE_ROLES, group_name
from branchcx.org.scoping import require_perm, scope_path

User = get_user_model()

TOKEN_PREFIX = "bcx_"  # noqa: S105 (a public marker, not a secret)
MAX_ACTIVE_TOKENS = 10
_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


# --- organisation units ------------------------------------------------------------------


def clean_opening_hours(value: Any) -> dict[str, str]:
    """``{"mon": "09:00-17:00", …}``; a missing or empty day is closed."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError({"opening_hours": _("Opening hours must map weekdays to hours.")})
    cleaned: dict[str, str] = {}
    for day, hours in value.items():
        if day not in WEEKDAYS:
            raise ValidationError(
                {"opening_hours": _("Unknown weekday %(day)s; use mon … sun.") % {"day": day}}
            )
        text = str(hours or "").strip()
        if not text:
            continue
        if not _HOURS.match(text) or text[:5] >= text[6:]:
            raise ValidationError(
                {
                    "opening_hours": _(
                        "%(day)s: write hours as HH:MM-HH:MM with the start before the end."
                    )
                    % {"day": day}
                }
            )
        cleaned[day] = text
    return cleaned


@transaction.atomic
def do_create_branch(
    actor: Any,
    *,
    code: str,
    name: str,
    level: str,
    parent: Branch | None,
    city: str = "",
    address: str = "",
    phone: str = "",
    opening_hours: Any = None,
) -> Branch:
    require_perm(actor, "org.add_branch")
    expected_parent = Branch.PARENT_LEVEL.get(level, "invalid")
    if expected_parent == "invalid":
        raise ValidationError({"level": _("Choose head office, branch or outlet.")})
    if expected_parent is None:
        if parent is not None:
            raise ValidationError({"parent": _("Head office has no parent unit.")})
        if Branch.objects.filter(level=Branch.Level.HEAD_OFFICE).exists():
            raise ValidationError({"level": _("There is already a head office.")})
    elif parent is None or parent.level != expected_parent:
        raise ValidationError(
            {
                "parent": _("A %(level)s must belong to a %(parent)s.")
                % {
                    "level": Branch.Level(level).label,
                    "parent": Branch.Level(expected_parent).label,
                }
            }
        )
    if Branch.objects.filter(code=code).exists():
        raise ValidationError({"code": _("Another unit already has this code.")})
    branch = Branch(
        code=code,
        name=name.strip(),
        level=level,
        parent=parent,
        path=f"{parent.path if parent else '/'}{code}/",
        city=city.strip(),
        address=address.strip(),
        phone=phone.strip(),
        opening_hours=clean_opening_hours(opening_hours),
    )
    branch.full_clean()
    branch.save()
    record(Action.CREATE, actor=actor, target=branch, target_label=str(branch))
    return branch


BRANCH_EDITABLE = ("name", "city", "address", "phone", "opening_hours", "is_active")


@transaction.atomic
def do_update_branch(
    actor: Any, branch: Branch, *, expected_version: int, **changes: Any
) -> Branch:
    require_perm(actor, "org.change_branch")
    unknown = set(changes) - set(BRANCH_EDITABLE)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed.") for field in unknown})
    # Opening or closing a unit changes what the network looks like: head office only.
    if "is_active" in changes and changes["is_active"] != branch.is_active:
        require_perm(actor, "org.add_branch")
    locked = lock_for_update(Branch.objects.all(), branch.pk, expected_version)
    if "opening_hours" in changes:
        changes["opening_hours"] = clean_opening_hours(changes["opening_hours"])
    changed = [f for f, v in changes.items() if getattr(locked, f) != v]
    if not changed:
        return locked
    for field in changed:
        setattr(
            locked,
            field,
            changes[field].strip() if isinstance(changes[field], str) else changes[field],
        )
    locked.full_clean()
    locked.version += 1
    locked.save()
    record(
        Action.CHANGE,
        actor=actor,
        target=locked,
        target_label=str(locked),
        detail={"fields": changed},
    )
    return locked


# --- staff -------------------------------------------------------------------------------


def _actor_role(actor: Any) -> str | None:
    return Role.HEAD_OFFICE_ADMIN if actor.is_superuser else role_of(actor)


def _check_assignable(actor: Any, role: str, branch: Branch) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("Choose one of the listed roles.")})
    allowed = ASSIGNABLE_ROLES.get(_actor_role(actor) or "", set())
    if role not in allowed:
        raise PermissionDenied(
            _("You may not give the role %(role)s.") % {"role": Role(role).label}
        )
    if role in HEAD_OFFICE_ROLES and branch.level != Branch.Level.HEAD_OFFICE:
        raise ValidationError({"role": _("This role works at head office only.")})
    path = scope_path(actor)
    if path is None or not branch.path.startswith(path):
        raise PermissionDenied


def require_manageable(actor: Any, staff: StaffProfile) -> None:
    """403 unless ``actor`` may manage this person (give their role, in their unit).

    Guards what goes beyond reading a colleague's profile, such as unmasking their ID number:
    a complaint officer reads colleagues' names but not their personal data, and a branch
    manager cannot reveal the data of an auditor stationed in their branch.
    """
    try:
        _check_assignable(actor, staff.role, staff.branch)
    except ValidationError:
        raise PermissionDenied from None


def _clean_personal(mobile: str, id_number: str) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field, value, normalise in (
        ("mobile", mobile, normalise_mobile),
        ("id_number", id_number, normalise_resident_id),
    ):
        value = (value or "").strip()
        if not value:
            cleaned[field] = ""
            continue
        try:
            cleaned[field] = normalise(value)
        except ValueError as exc:
            errors[field] = str(exc)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _apply_role(user: Any, role: str) -> None:
    with suppress_m2m_audit():
        user.groups.set([Group.objects.get(name=group_name(role))])


@transaction.atomic
def do_create_staff(
    actor: Any,
    *,
    branch: Branch,
    username: str,
    full_name: str,
    employee_no: str,
    role: str,
    mobile: str = "",
    id_number: str = "",
    password: str | None = None,
) -> tuple[StaffProfile, str | None]:
    """Create the sign-in account and the staff profile. Returns the profile and, when no
    password was given, a one-time temporary password to hand over."""
    require_perm(actor, "org.add_staffprofile")
    _check_assignable(actor, role, branch)
    if not branch.is_active:
        raise ValidationError({"branch": _("This unit is closed.")})
    personal = _clean_personal(mobile, id_number)
    username = username.strip()
    errors: dict[str, str] = {}
    if not re.match(r"^[A-Za-z0-9_.-]{3,150}$", username):
        errors["username"] = _("Use 3 to 150 letters, digits, '.', '-' or '_'.")
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = _("This username is taken.")
    if StaffProfile.objects.filter(employee_no=employee_no).exists():
        errors["employee_no"] = _("Another member of staff has this employee number.")
    if errors:
        raise ValidationError(errors)
    temporary = None
    if password is None:
        temporary = password = secrets.token_urlsafe(12)
    user = User(username=username, first_name=full_name[:150])
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save()
    staff = StaffProfile(
        user=user,
        branch=branch,
        employee_no=employee_no.strip(),
        full_name=full_name.strip(),
        role=role,
        must_change_password=temporary is not None,
        **personal,
    )
    staff.full_clean(exclude=["user"])
    staff.save()
    _apply_role(user, role)
    label = f"{staff.employee_no} {mask_name(staff.full_name)}"
    record(Action.CREATE, actor=actor, target=staff, target_label=label)
    record(
        Action.PERMISSION_CHANGE,
        actor=actor,
        target=staff,
        target_label=label,
        detail={"role": [None, role]},
    )
    return staff, temporary


STAFF_EDITABLE = ("full_name", "role", "branch", "mobile", "id_number", "is_active")
PERSONAL_FIELDS = {"mobile", "id_number"}


@transaction.atomic
def do_update_staff(
    actor: Any, staff: StaffProfile, *, expected_version: int, **changes: Any
) -> StaffProfile:
    require_perm(actor, "org.change_staffprofile")
    unknown = set(changes) - set(STAFF_EDITABLE)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed.") for field in unknown})
    locked = lock_for_update(
        StaffProfile.objects.select_related("branch"), staff.pk, expected_version
    )
    sensitive = {f for f in ("role", "branch", "is_active") if f in changes}
    if locked.user_id == actor.pk and any(getattr(locked, f) != changes[f] for f in sensitive):
        raise PermissionDenied(_("You cannot change your own role, unit or status."))
    if (
        "branch" in changes
        and changes["branch"] != locked.branch
        and not changes["branch"].is_active
    ):
        raise ValidationError({"branch": _("This unit is closed.")})
    # Whoever edits must be allowed to give the person's current role, so a branch manager
    # cannot touch an administrator or an auditor placed in their branch.
    _check_assignable(actor, locked.role, locked.branch)
    if PERSONAL_FIELDS & set(changes):
        changes.update(
            _clean_personal(
                changes.get("mobile", locked.mobile), changes.get("id_number", locked.id_number)
            )
        )
    changed = [f for f, v in changes.items() if getattr(locked, f) != v]
    if not changed:
        return locked
    old_role = locked.role
    for field in changed:
        setattr(locked, field, changes[field])
    if "role" in changed or "branch" in changed:
        _check_assignable(actor, locked.role, locked.branch)
    locked.full_clean(exclude=["user"])
    locked.version += 1
    locked.save()
    label = f"{locked.employee_no} {mask_name(locked.full_name)}"
    # Personal fields are named, never their values.
    record(
        Action.CHANGE, actor=actor, target=locked, target_label=label, detail={"fields": changed}
    )
    if "role" in changed:
        _apply_role(locked.user, locked.role)
        record(
            Action.PERMISSION_CHANGE,
            actor=actor,
            target=locked,
            target_label=label,
            detail={"role": [old_role, locked.role]},
        )
    if "is_active" in changed:
        type(locked.user).objects.filter(pk=locked.user_id).update(is_active=locked.is_active)
        if not locked.is_active:
            ApiToken.objects.filter(user_id=locked.user_id, revoked_at=None).update(
                revoked_at=timezone.now()
            )
    return locked


@transaction.atomic
def do_reset_password(actor: Any, staff: StaffProfile) -> str:
    """Give someone a one-time temporary password; they must replace it at next sign-in.

    Only whoever may edit the person may do this (same rule as editing), never for oneself.
    """
    require_perm(actor, "org.change_staffprofile")
    locked = StaffProfile.objects.select_for_update().select_related("branch").get(pk=staff.pk)
    if locked.user_id == actor.pk:
        raise PermissionDenied(_("Change your own password on the password page."))
    _check_assignable(actor, locked.role, locked.branch)
    temporary = secrets.token_urlsafe(12)
    user = locked.user
    user.set_password(temporary)
    user.save(update_fields=["password"])
    StaffProfile.objects.filter(pk=locked.pk).update(must_change_password=True)
    record(
        Action.PASSWORD_RESET,
        actor=actor,
        target=locked,
        target_label=f"{locked.employee_no} {mask_name(locked.full_name)}",
    )
    return temporary


@transaction.atomic
def do_record_password_change(user: Any) -> None:
    """After a user chose their own password (Django's form has already saved it)."""
    StaffProfile.objects.filter(user_id=user.pk).update(must_change_password=False)
    staff = StaffProfile.objects.filter(user_id=user.pk).select_related("branch").first()
    record(
        Action.PASSWORD_CHANGE,
        actor=user,
        target=staff,
        target_label=f"{staff.employee_no} {mask_name(staff.full_name)}" if staff else "",
    )


# --- API tokens --------------------------------------------------------------------------


def token_digest(secret: str) -> str:
    # Tokens are 256-bit random: a fast hash is enough (nothing to brute-force), and it lets
    # the digest be looked up through a unique index.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@transaction.atomic
def do_create_token(user: Any, *, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a personal API token; the secret is returned once and never stored."""
    from django.conf import settings

    require_perm(user, "org.add_apitoken")
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name that says what it is for.")})
    days = days or settings.BRANCHCX_TOKEN_DAYS
    if not 1 <= days <= 366:
        raise ValidationError({"days": _("A token may last from 1 to 366 days.")})
    # Lock the user's row so two requests cannot both pass the limit.
    User.objects.select_for_update().get(pk=user.pk)
    active = ApiToken.objects.filter(
        user_id=user.pk, revoked_at=None, expires_at__gt=timezone.now()
    ).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            {"name": _("You have %(n)s active tokens; revoke one first.") % {"n": active}}
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:12],
        digest=token_digest(secret),
        expires_at=timezone.now() + timedelta(days=days),
    )
    record(
        Action.TOKEN_CREATED,
        actor=user,
        target=token,
        target_label=str(token),
        branch=getattr(getattr(user, "staff", None), "branch", None),
    )
    return token, secret


@transaction.atomic
def do_revoke_token(user: Any, token: ApiToken) -> ApiToken:
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        record(
            Action.TOKEN_REVOKED,
            actor=user,
            target=locked,
            target_label=str(locked),
            branch=getattr(getattr(user, "staff", None), "branch", None),
        )
    return locked


def authenticate_token(secret: str) -> Any:
    """The active user a bearer token belongs to, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(secret)).first()
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    # Note use at most once a minute: a write per API call would cost more than it tells.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- housekeeping ------------------------------------------------------------------------

TOKEN_RETENTION = timedelta(days=30)


def do_prune_expired_credentials() -> dict[str, int]:
    """Remove what can no longer sign anyone in. Audit events about them stay."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.contrib.sessions.models import Session

    now = timezone.now()
    with transaction.atomic():
        sessions, _n = Session.objects.filter(expire_date__lt=now).delete()
        dead = now - TOKEN_RETENTION
        tokens, _n = ApiToken.objects.filter(
            Q(expires_at__lt=dead) | Q(revoked_at__lt=dead)
        ).delete()
        attempts, _n = AccessAttempt.objects.filter(
            attempt_time__lt=now - settings.AXES_COOLOFF_TIME
        ).delete()
    return {"sessions": sessions, "tokens": tokens, "attempts": attempts}


class SystemActor:
    """The command line: an operator with a shell on the server, trusted like a superuser.

    Actions record it as ``system``; it has no database row.
    """

    pk = None
    is_superuser = True
    is_active = True
    is_authenticated = True

    def has_perm(self, perm: str) -> bool:
        return True

    def get_username(self) -> str:
        return "system"
