"""What managers believe customers expect (the knowledge gap of the expectation views)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.audit.actions import Action, record
from branchcx.lib.errors import ConflictError
from branchcx.lib.periods import quarter_start
from branchcx.org.access import own_staff_profile
from branchcx.org.models import Branch
from branchcx.org.scoping import require_perm
from branchcx.surveys.models import (
    Dimension,
    ExpectationBelief,
)

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
