"""System checks: the database is recent enough, and no BranchCX model can be defined
without deciding how it is scoped.

Runs on every ``manage.py``/``branchcx`` command and at server start. Every model of ours
declares either ``scope_field`` (with a ``ScopedManager``) or ``scope_exempt`` with the reason
it is not branch data, so a new app cannot add a table that forgets branch isolation.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.apps import apps
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import DatabaseError, connection


def _resolves_to_branch(model: Any, field_path: str) -> bool:
    from branchcx.org.models import Branch

    if field_path == "":
        return model is Branch
    current = model
    for part in field_path.split("__"):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if not field.is_relation or field.related_model is None:
            return False
        current = field.related_model
    return current is Branch


# Set-based updates (AUM, imports) use UPDATE … FROM, which SQLite has since 3.33.
MIN_SQLITE = (3, 33, 0)


@checks.register(checks.Tags.database)
def check_sqlite_version(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    import sqlite3

    return sqlite_version_errors(connection.vendor, sqlite3.sqlite_version_info)


def sqlite_version_errors(
    vendor: str, version: tuple[int, ...] | None
) -> list[checks.CheckMessage]:
    if vendor != "sqlite" or version is None or version >= MIN_SQLITE:
        return []
    found = ".".join(map(str, version))
    return [
        checks.Error(
            f"SQLite {found} is too old: BranchCX needs 3.33 or later (UPDATE … FROM).",
            hint="Use a newer Python build, or PostgreSQL (BRANCHCX_DATABASE_URL).",
            id="branchcx.E020",
        )
    ]


@checks.register(checks.Tags.database)
def check_holiday_calendar(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from django.utils import timezone

    from branchcx.org.calendar import bank_overrides

    try:
        overrides = bank_overrides()
    except DatabaseError:  # before the first migration there is no calendar to read
        return []
    return calendar_warnings(timezone.localdate(), overrides)


def calendar_warnings(today: date, overrides: dict[date, bool]) -> list[checks.CheckMessage]:
    """From October, next year's holidays are due (the State Council publishes them around
    November): warn while neither the bundled schedule nor the bank's calendar has them,
    because working-day targets would silently treat Spring Festival as working days."""
    from branchcx.lib.workdays import is_known

    if today.month < 10:
        return []
    new_year = date(today.year + 1, 1, 1)
    if is_known(new_year) or any(day.year == new_year.year for day in overrides):
        return []
    return [
        checks.Warning(
            f"The public holidays of {new_year.year} are not known yet: working days of "
            f"{new_year.year} are counted as Monday to Friday.",
            hint="Upgrade chinese-calendar once it has them, or enter the holidays and "
            "make-up working days as calendar days (org.CalendarDay).",
            id="branchcx.W021",
        )
    ]


@checks.register()
def check_branch_scoping(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return scoping_errors(apps.get_models())


def scoping_errors(models: Iterable[Any]) -> list[checks.CheckMessage]:
    from branchcx.org.models import Branch
    from branchcx.org.scoping import ScopedQuerySet

    errors: list[checks.CheckMessage] = []
    for model in models:
        if not model.__module__.startswith("branchcx.") or model._meta.app_label == "history":
            continue
        if model.__name__.startswith("Historical"):
            continue  # simple-history copies; reached only through their scoped parent
        has_branch_fk = any(
            f.is_relation and f.related_model is Branch and f.concrete
            for f in model._meta.get_fields()
        )
        scope_field = getattr(model, "scope_field", None)
        if getattr(model, "scope_exempt", None):
            continue
        if scope_field is None:
            # Default-deny: a model reaching a branch only indirectly (a complaint through its
            # customer) is caught here too, not just one with a direct foreign key.
            errors.append(
                checks.Error(
                    f"{model._meta.label} declares neither scope_field nor scope_exempt"
                    + (" and has a foreign key to Branch." if has_branch_fk else "."),
                    hint="Declare scope_field (the path to its Branch) and use ScopedManager, "
                    "or say in scope_exempt why it is not branch data.",
                    obj=model,
                    id="branchcx.E001",
                )
            )
            continue
        if not isinstance(model._default_manager.all(), ScopedQuerySet):
            errors.append(
                checks.Error(
                    f"{model._meta.label} declares scope_field but its default manager is not "
                    "scoped.",
                    hint="Use objects = ScopedManager() (or a subclass).",
                    obj=model,
                    id="branchcx.E002",
                )
            )
        if not _resolves_to_branch(model, scope_field):
            errors.append(
                checks.Error(
                    f"{model._meta.label}.scope_field {scope_field!r} does not lead to Branch.",
                    obj=model,
                    id="branchcx.E003",
                )
            )
    return errors
