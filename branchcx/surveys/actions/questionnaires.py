"""Questionnaires: drafts, published versions, closing, and creating a survey."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError as DefinitionError

from branchcx.audit.actions import Action, record
from branchcx.lib.errors import ConflictError
from branchcx.org.access import own_staff_profile
from branchcx.org.scoping import require_perm
from branchcx.surveys.definition import (
    parse,
)
from branchcx.surveys.models import (
    Survey,
    SurveyVersion,
)

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
