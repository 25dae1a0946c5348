"""Head office's reference data for complaints: who may see it, and every change to it.

The classification codes, the root-cause tree, the service targets, the handling guidance and
the bank's calendar are the same for the whole network, so only a keeper with the whole
network in scope changes them. Assignment rules belong to a unit and are kept by its managers.
Each ``do_*`` runs in a transaction, locks the row it changes and records an audit event.

Views call these after fetching through scoped getters; this module reaches scoped models
(complaints, rules, staff) only through ``visible_to`` like any request-facing code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branchcx.audit.actions import Action, record
from branchcx.complaints.access import colleagues_serving
from branchcx.complaints.models import (
    AssignmentRule,
    Classification,
    Complaint,
    HandlingGuidance,
    RootCause,
    ServiceTarget,
)
from branchcx.lib.locking import lock_for_update
from branchcx.org.access import own_staff_profile
from branchcx.org.models import Branch, StaffProfile, ancestor_paths
from branchcx.org.scoping import require_perm, scope_path

HANDLE_PERMISSION = "complaints.change_complaint"
MAX_HOURS = 2000


# --- who may see what ------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    key: str
    label: str | Promise
    description: str | Promise
    url_name: str
    # Any one of these lets the user read the section.
    read: tuple[str, ...]
    # The same for the whole network: read and kept at head office only.
    network_wide: bool = True


SECTIONS = (
    Section(
        "codes",
        gettext_lazy("Classification codes"),
        gettext_lazy("JR/T 0169 channels, business categories, causes and card sub-reasons."),
        "complaints:ref_codes",
        ("complaints.change_classification",),
    ),
    Section(
        "causes",
        gettext_lazy("Root causes"),
        gettext_lazy("The bank's own tree of root causes recorded with each decision."),
        "complaints:ref_causes",
        ("complaints.change_rootcause",),
    ),
    Section(
        "targets",
        gettext_lazy("Service targets"),
        gettext_lazy("First response and resolution, in working hours, by priority."),
        "complaints:ref_targets",
        ("complaints.view_servicetarget", "complaints.change_servicetarget"),
    ),
    Section(
        "guidance",
        gettext_lazy("Handling guidance"),
        gettext_lazy("What the complaint page tells staff about holding the conversation."),
        "complaints:ref_guidance",
        ("complaints.change_handlingguidance",),
    ),
    Section(
        "rules",
        gettext_lazy("Assignment rules"),
        gettext_lazy("Which complaint officers handle the complaints of a unit."),
        "complaints:ref_rules",
        ("complaints.view_assignmentrule",),
        network_wide=False,
    ),
    Section(
        "calendar",
        gettext_lazy("Bank calendar"),
        gettext_lazy("Holidays and make-up working days the published schedule lacks."),
        "org:calendar",
        ("org.view_calendarday", "org.change_calendarday"),
    ),
)
SECTION_BY_KEY = {s.key: s for s in SECTIONS}


def whole_network(user: Any) -> bool:
    return scope_path(user) == ""


def can_read(user: Any, key: str) -> bool:
    section = SECTION_BY_KEY[key]
    if section.network_wide and not whole_network(user):
        return False
    return any(user.has_perm(p) for p in section.read)


def require_read(user: Any, key: str) -> None:
    if not can_read(user, key):
        raise PermissionDenied


def can_keep(user: Any, permission: str) -> bool:
    """Whether ``user`` may change network-wide reference data with ``permission``."""
    return user.has_perm(permission) and whole_network(user)


def require_keeper(user: Any, permission: str) -> None:
    """403 unless ``user`` holds ``permission`` and sees the whole network: a permission
    given by mistake to someone in a branch must not let them change the bank's policy."""
    if not can_keep(user, permission):
        raise PermissionDenied


def sections_for(user: Any) -> list[Section]:
    return [s for s in SECTIONS if can_read(user, s.key)]


# --- classification codes --------------------------------------------------------------------


def code_in_use(actor: Any, code: Classification) -> bool:
    """Whether complaints, rules or guidance point at the code (its value then stays)."""
    axis_field = {
        Classification.Axis.CHANNEL: "channel",
        Classification.Axis.BUSINESS: "business",
        Classification.Axis.CAUSE: "cause",
        Classification.Axis.CARD_REASON: "card_reason",
    }[Classification.Axis(code.axis)]
    # The keeper sees the whole network, so these count every row.
    if Complaint.objects.visible_to(actor).filter(**{axis_field: code}).exists():
        return True
    if code.axis == Classification.Axis.BUSINESS:
        if AssignmentRule.objects.visible_to(actor).filter(business=code).exists():
            return True
        topic = HandlingGuidance.Topic.CATEGORY
        return HandlingGuidance.objects.filter(topic=topic, key=code.code).exists()
    return False


def _code_label(code: Classification) -> str:
    return f"{code.get_axis_display()} {code.code} {code.name}"


def _unique_code(axis: str, value: str, exclude_pk: int | None = None) -> None:
    clash = Classification.objects.filter(axis=axis, code=value)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {"code": _("This axis already has a code %(code)s.") % {"code": value}}
        )


@transaction.atomic
def do_add_code(
    actor: Any, *, axis: str, code: str, name: str, name_en: str, sort_order: int
) -> Classification:
    require_keeper(actor, "complaints.add_classification")
    if axis not in Classification.Axis.values:
        raise ValidationError({"axis": _("Choose one of the listed axes.")})
    code = code.strip()
    _unique_code(axis, code)
    created = Classification(
        axis=axis, code=code, name=name.strip(), name_en=name_en.strip(), sort_order=sort_order
    )
    created.full_clean()
    try:
        with transaction.atomic():
            created.save()
    except IntegrityError:  # added by someone else in the meantime
        raise ValidationError(
            {"code": _("This axis already has a code %(code)s.") % {"code": code}}
        ) from None
    record(
        Action.CREATE,
        actor=actor,
        target=created,
        target_label=_code_label(created),
        detail={"axis": axis, "code": code},
    )
    return created


@transaction.atomic
def do_update_code(
    actor: Any,
    code: Classification,
    *,
    expected_version: int,
    new_code: str,
    name: str,
    name_en: str,
    sort_order: int,
) -> Classification:
    """Correct a code's value (while nothing uses it), names or order. A save based on a
    version someone else has changed since is refused, not written over theirs."""
    require_keeper(actor, "complaints.change_classification")
    locked = lock_for_update(Classification.objects.all(), code.pk, expected_version)
    new_code = new_code.strip()
    changes: dict[str, Any] = {
        "code": new_code,
        "name": name.strip(),
        "name_en": name_en.strip(),
        "sort_order": sort_order,
    }
    changed = [f for f, v in changes.items() if getattr(locked, f) != v]
    if not changed:
        return locked
    before = {f: getattr(locked, f) for f in changed}
    if "code" in changed:
        if code_in_use(actor, locked):
            raise ValidationError(
                {"code": _("Complaints or rules use this code: its value cannot change.")}
            )
        _unique_code(locked.axis, new_code, exclude_pk=locked.pk)
    for field in changed:
        setattr(locked, field, changes[field])
    locked.version += 1
    locked.full_clean()
    locked.save()
    record(
        Action.CHANGE,
        actor=actor,
        target=locked,
        target_label=_code_label(locked),
        detail={"axis": locked.axis, "fields": changed, "before": before,
                "version": locked.version},
    )  # fmt: skip
    return locked


@transaction.atomic
def do_set_code_active(actor: Any, code: Classification, *, active: bool) -> Classification:
    """Retire a code (new complaints can no longer use it) or bring it back; never delete."""
    require_keeper(actor, "complaints.change_classification")
    locked = Classification.objects.select_for_update().get(pk=code.pk)
    if locked.is_active == active:
        return locked
    locked.is_active = active
    locked.version += 1
    locked.save(update_fields=["is_active", "version"])
    record(
        Action.CHANGE,
        actor=actor,
        target=locked,
        target_label=_code_label(locked),
        detail={"axis": locked.axis, "fields": ["is_active"], "is_active": active},
    )
    return locked


# --- root causes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeRow:
    cause: RootCause
    depth: int

    @property
    def indent_class(self) -> str:
        """The stylesheet indents two levels; deeper ones are marked with dots as well."""
        return f"tree-depth-{min(self.depth, 2)}"

    @property
    def marker(self) -> str:
        return "· " * max(self.depth - 2, 0) + ("└ " if self.depth else "")


def cause_tree(causes: list[RootCause]) -> list[TreeRow]:
    """The causes in tree order (each parent followed by its children, by code)."""
    children: dict[int | None, list[RootCause]] = {}
    for cause in sorted(causes, key=lambda c: c.code):
        children.setdefault(cause.parent_id, []).append(cause)
    rows: list[TreeRow] = []
    seen: set[int] = set()

    def walk(parent_id: int | None, depth: int) -> None:
        for cause in children.get(parent_id, []):
            if cause.pk in seen:  # a cycle would otherwise recurse forever
                continue
            seen.add(cause.pk)
            rows.append(TreeRow(cause, depth))
            walk(cause.pk, depth + 1)

    walk(None, 0)
    return rows


def _creates_cycle(cause: RootCause, parent: RootCause | None) -> bool:
    """Whether hanging ``cause`` under ``parent`` would make it its own ancestor."""
    seen: set[int] = set()
    current = parent
    while current is not None:
        if current.pk == cause.pk:
            return True
        if current.pk in seen:
            return True
        seen.add(current.pk)
        current = current.parent
    return False


def _cause_label(cause: RootCause) -> str:
    return f"{cause.code} {cause.name}"


@transaction.atomic
def do_add_cause(actor: Any, *, code: str, name: str, parent: RootCause | None) -> RootCause:
    require_keeper(actor, "complaints.add_rootcause")
    code = code.strip()
    if parent is not None and not parent.is_active:
        raise ValidationError(
            {"parent": _("This cause is retired: new causes cannot go under it.")}
        )
    if RootCause.objects.filter(code=code).exists():
        raise ValidationError({"code": _("Another root cause already has this code.")})
    created = RootCause(code=code, name=name.strip(), parent=parent)
    created.full_clean()
    try:
        with transaction.atomic():
            created.save()
    except IntegrityError:
        raise ValidationError({"code": _("Another root cause already has this code.")}) from None
    record(
        Action.CREATE,
        actor=actor,
        target=created,
        target_label=_cause_label(created),
        detail={"parent": parent.code if parent else None},
    )
    return created


@transaction.atomic
def do_update_cause(
    actor: Any, cause: RootCause, *, expected_version: int, name: str, parent: RootCause | None
) -> RootCause:
    """Rename a cause or move it under another (never under itself or its own branch). A
    save based on a version someone else has changed since is refused."""
    require_keeper(actor, "complaints.change_rootcause")
    locked = lock_for_update(RootCause.objects.all(), cause.pk, expected_version)
    name = name.strip()
    changed = []
    if locked.name != name:
        changed.append("name")
    if locked.parent_id != (parent.pk if parent else None):
        changed.append("parent")
        if parent is not None and _creates_cycle(locked, parent):
            raise ValidationError(
                {"parent": _("A cause cannot go under itself or under a cause below it.")}
            )
        if parent is not None and not parent.is_active and locked.is_active:
            raise ValidationError(
                {"parent": _("This cause is retired: causes in use cannot go under it.")}
            )
    if not changed:
        return locked
    before = {"name": locked.name, "parent": locked.parent.code if locked.parent else None}
    locked.name, locked.parent = name, parent
    locked.version += 1
    locked.full_clean()
    locked.save()
    record(
        Action.CHANGE,
        actor=actor,
        target=locked,
        target_label=_cause_label(locked),
        detail={"fields": changed, "before": before, "version": locked.version},
    )
    return locked


@transaction.atomic
def do_set_cause_active(actor: Any, cause: RootCause, *, active: bool) -> RootCause:
    """Retire a cause (decisions keep it, new ones cannot pick it) or bring it back. A parent
    goes only after its children, and a child comes back only under an active parent."""
    require_keeper(actor, "complaints.change_rootcause")
    locked = RootCause.objects.select_for_update().get(pk=cause.pk)
    if locked.is_active == active:
        return locked
    if not active and locked.children.filter(is_active=True).exists():
        raise ValidationError(
            _("Retire the causes under %(code)s first: they are still in use.")
            % {"code": locked.code}
        )
    if active and locked.parent is not None and not locked.parent.is_active:
        raise ValidationError(
            _("Bring back %(parent)s first: this cause is part of it.")
            % {"parent": _cause_label(locked.parent)}
        )
    locked.is_active = active
    locked.version += 1
    locked.save(update_fields=["is_active", "version"])
    record(
        Action.CHANGE,
        actor=actor,
        target=locked,
        target_label=_cause_label(locked),
        detail={"fields": ["is_active"], "is_active": active},
    )
    return locked


# --- service targets ---------------------------------------------------------------------------


@transaction.atomic
def do_update_target(
    actor: Any,
    target: ServiceTarget,
    *,
    expected_version: int,
    first_response_hours: int,
    resolution_hours: int,
) -> ServiceTarget:
    """New targets apply to complaints registered from now on; open ones keep theirs. A
    save based on a version someone else has changed since is refused."""
    require_keeper(actor, "complaints.change_servicetarget")
    errors: dict[str, str] = {}
    for field, value in (
        ("first_response_hours", first_response_hours),
        ("resolution_hours", resolution_hours),
    ):
        if not 1 <= value <= MAX_HOURS:
            errors[field] = _("Give between 1 and %(max)s working hours.") % {"max": MAX_HOURS}
    if not errors and resolution_hours < first_response_hours:
        errors["resolution_hours"] = _(
            "Resolution cannot be due before the first response: give at least %(hours)s hours."
        ) % {"hours": first_response_hours}
    if errors:
        raise ValidationError(errors)
    locked = lock_for_update(ServiceTarget.objects.all(), target.pk, expected_version)
    before = {"first_response_hours": locked.first_response_hours,
              "resolution_hours": locked.resolution_hours}  # fmt: skip
    after = {"first_response_hours": first_response_hours, "resolution_hours": resolution_hours}
    if before == after:
        return locked
    locked.first_response_hours = first_response_hours
    locked.resolution_hours = resolution_hours
    locked.version += 1
    locked.save()
    record(
        Action.CHANGE,
        actor=actor,
        target=locked,
        target_label=str(locked.get_priority_display()),
        detail={"priority": locked.priority, "before": before, "after": after,
                "version": locked.version},
    )  # fmt: skip
    return locked


# --- handling guidance -------------------------------------------------------------------------


def _guidance_label(guidance: HandlingGuidance) -> str:
    return f"{guidance.get_topic_display()} {guidance.key}".strip()


def guidance_texts(topic: str, keys: Iterable[str], language: str) -> dict[str, str]:
    """The guidance in use for ``topic`` by key, in the reader's language: the source the
    customer pages read (``customers.guidance.register_source``)."""
    rows = HandlingGuidance.objects.filter(topic=topic, key__in=list(keys), is_active=True)
    return {g.key: g.in_language(language) for g in rows}


def get_guidance(topic: str, key: str) -> HandlingGuidance:
    try:
        return HandlingGuidance.objects.get(topic=topic, key=key)
    except HandlingGuidance.DoesNotExist:
        raise Http404 from None


@transaction.atomic
def do_add_category_guidance(actor: Any, *, key: str, text: str, text_en: str) -> HandlingGuidance:
    """Guidance for one business category: the key is an active business code."""
    require_keeper(actor, "complaints.add_handlingguidance")
    key = key.strip()
    errors: dict[str, str] = {}
    business = Classification.objects.filter(axis=Classification.Axis.BUSINESS, code=key).first()
    if business is None:
        errors["key"] = _("There is no business category with the code %(code)s.") % {"code": key}
    elif not business.is_active:
        errors["key"] = _("The business category %(code)s is retired.") % {"code": key}
    if not text.strip():
        errors["text"] = _("Write the guidance in Chinese.")
    if errors:
        raise ValidationError(errors)
    topic = HandlingGuidance.Topic.CATEGORY
    if HandlingGuidance.objects.filter(topic=topic, key=key).exists():
        raise ValidationError({"key": _("This category already has guidance: edit it instead.")})
    created = HandlingGuidance(
        topic=topic,
        key=key,
        text=text.strip(),
        text_en=text_en.strip(),
        updated_by=own_staff_profile(actor),
    )
    created.full_clean()
    try:
        with transaction.atomic():
            created.save()
    except IntegrityError:
        raise ValidationError(
            {"key": _("This category already has guidance: edit it instead.")}
        ) from None
    record(
        Action.CREATE,
        actor=actor,
        target=created,
        target_label=_guidance_label(created),
        detail={"topic": topic, "key": key},
    )
    return created


@transaction.atomic
def do_update_guidance(
    actor: Any,
    guidance: HandlingGuidance,
    *,
    expected_version: int,
    text: str,
    text_en: str,
    is_active: bool,
) -> HandlingGuidance:
    """Change the wording or whether it is shown. Two editors who opened the same version
    cannot both save: the second is told to reload and look at the first one's change."""
    require_keeper(actor, "complaints.change_handlingguidance")
    if not text.strip():
        raise ValidationError({"text": _("Write the guidance in Chinese.")})
    locked = lock_for_update(HandlingGuidance.objects.all(), guidance.pk, expected_version)
    changes = {"text": text.strip(), "text_en": text_en.strip(), "is_active": is_active}
    changed = [f for f, v in changes.items() if getattr(locked, f) != v]
    if not changed:
        return locked
    for field in changed:
        setattr(locked, field, changes[field])
    locked.version += 1
    locked.updated_by = own_staff_profile(actor)
    locked.full_clean()
    locked.save()
    record(
        Action.CHANGE,
        actor=actor,
        target=locked,
        target_label=_guidance_label(locked),
        detail={"topic": locked.topic, "key": locked.key, "fields": changed,
                "version": locked.version},
    )  # fmt: skip
    return locked


# --- assignment rules --------------------------------------------------------------------------


def rules_for_user(user: Any) -> QuerySet[AssignmentRule]:
    require_perm(user, "complaints.view_assignmentrule")
    return (
        AssignmentRule.objects.visible_to(user)
        .select_related("unit", "business")
        .prefetch_related("officers")
        .order_by("unit__path", "business__code", "pk")
    )


def get_rule_for_user(user: Any, rule_id: int) -> AssignmentRule:
    """One rule of the user's scope; 404 for any other, whether or not it exists."""
    rule = (
        AssignmentRule.objects.visible_to(user)
        .select_related("unit", "business")
        .filter(pk=rule_id)
        .first()
    )
    if rule is None:
        raise Http404
    require_perm(user, "complaints.view_assignmentrule")
    return rule


def officer_candidates(unit: Branch) -> QuerySet[StaffProfile]:
    """Active staff who handle complaints and work at the unit or above it."""
    handle = Permission.objects.filter(
        content_type__app_label="complaints", codename="change_complaint"
    )
    return (
        colleagues_serving(unit)
        .filter(
            Q(user__is_superuser=True)
            | Q(user__groups__permissions__in=handle)
            | Q(user__user_permissions__in=handle)
        )
        .filter(user__is_active=True)
        .distinct()
    )


def _check_officers(unit: Branch, officers: list[StaffProfile]) -> None:
    if not officers:
        raise ValidationError({"officers": _("Choose at least one complaint officer.")})
    above = set(ancestor_paths(unit.path))
    for officer in officers:
        if not officer.is_active or officer.branch.path not in above:
            raise ValidationError(
                {
                    "officers": _("%(name)s does not work at this unit or a unit above it.")
                    % {"name": officer.full_name}
                }
            )
        if not officer.user.has_perm(HANDLE_PERMISSION):
            raise ValidationError(
                {
                    "officers": _("%(name)s does not handle complaints.")
                    % {"name": officer.full_name}
                }
            )


def _check_business(business: Classification | None) -> None:
    if business is not None and (
        business.axis != Classification.Axis.BUSINESS or not business.is_active
    ):
        raise ValidationError({"business": _("Choose a business category in use.")})


def _check_no_twin(actor: Any, unit: Branch, business: Classification | None, pk: Any) -> None:
    twins = AssignmentRule.objects.visible_to(actor).filter(
        unit=unit, business=business, is_active=True
    )
    if pk is not None:
        twins = twins.exclude(pk=pk)
    if twins.exists():
        raise ValidationError(
            _("This unit already has a rule for this category: edit that rule instead.")
        )


def _rule_label(rule: AssignmentRule) -> str:
    category = rule.business.code if rule.business else "*"
    return f"{rule.unit.code} {category}"


def _require_unit_in_scope(actor: Any, unit: Branch) -> None:
    path = scope_path(actor)
    if path is None or not unit.path.startswith(path):
        raise PermissionDenied


@transaction.atomic
def do_add_rule(
    actor: Any,
    *,
    unit: Branch,
    business: Classification | None,
    officers: list[StaffProfile],
) -> AssignmentRule:
    require_perm(actor, "complaints.add_assignmentrule")
    _require_unit_in_scope(actor, unit)
    if not unit.is_active:
        raise ValidationError({"unit": _("This unit is closed.")})
    _check_business(business)
    _check_officers(unit, officers)
    _check_no_twin(actor, unit, business, None)
    rule = AssignmentRule.objects.visible_to(actor).create(unit=unit, business=business)
    rule.officers.set(officers)
    record(
        Action.CREATE,
        actor=actor,
        target=rule,
        target_label=_rule_label(rule),
        detail={"rule": rule.pk, "officers": sorted(o.employee_no for o in officers)},
    )
    return rule


@transaction.atomic
def do_update_rule(
    actor: Any,
    rule: AssignmentRule,
    *,
    business: Classification | None,
    officers: list[StaffProfile],
    is_active: bool,
    expected_version: int | None = None,
) -> AssignmentRule:
    """Change a rule. Given the version the editor saw, a rule changed by someone else since
    is not overwritten: the editor is told to reload."""
    require_perm(actor, "complaints.change_assignmentrule")
    locked = lock_for_update(
        AssignmentRule.objects.visible_to(actor).select_related("unit", "business"),
        rule.pk,
        expected_version,
    )
    before_officers = sorted(locked.officers.values_list("employee_no", flat=True))
    after_officers = sorted(o.employee_no for o in officers)
    changed = []
    if locked.business_id != (business.pk if business else None):
        changed.append("business")
    if before_officers != after_officers:
        changed.append("officers")
    if locked.is_active != is_active:
        changed.append("is_active")
    if not changed:
        return locked
    if "business" in changed:
        _check_business(business)
    if is_active:
        _check_officers(locked.unit, officers)
        _check_no_twin(actor, locked.unit, business, locked.pk)
    elif officers:
        _check_officers(locked.unit, officers)
    locked.business, locked.is_active = business, is_active
    locked.version += 1
    locked.save()
    if "officers" in changed:
        locked.officers.set(officers)
    record(
        Action.CHANGE,
        actor=actor,
        target=locked,
        target_label=_rule_label(locked),
        detail={"rule": locked.pk, "fields": changed, "officers_before": before_officers,
                "officers": after_officers, "is_active": is_active},
    )  # fmt: skip
    return locked


@transaction.atomic
def do_deactivate_rule(actor: Any, rule: AssignmentRule) -> AssignmentRule:
    """Stop using a rule: new complaints of the unit fall to a broader rule or a manager."""
    require_perm(actor, "complaints.change_assignmentrule")
    locked = (
        AssignmentRule.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("unit", "business")
        .get(pk=rule.pk)
    )
    if not locked.is_active:
        return locked
    locked.is_active = False
    locked.version += 1
    locked.save(update_fields=["is_active", "version"])
    record(
        Action.CHANGE,
        actor=actor,
        target=locked,
        target_label=_rule_label(locked),
        detail={"rule": locked.pk, "fields": ["is_active"], "is_active": False},
    )
    return locked
