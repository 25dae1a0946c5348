from __future__ import annotations

import ast
from pathlib import Path

from django.db import models
from django.test.utils import isolate_apps

from branchcx.org.checks import (
    calendar_warnings,
    check_branch_scoping,
    scoping_errors,
    sqlite_version_errors,
)
from branchcx.org.models import Branch, StaffProfile
from branchcx.org.scoping import ScopedManager

PACKAGE = Path(__file__).resolve().parents[2]


def test_project_models_pass_the_scoping_check(db):
    assert check_branch_scoping() == []


@isolate_apps("branchcx.org")
def test_model_reaching_a_branch_only_indirectly_is_refused():
    class Indirect(models.Model):
        staff = models.ForeignKey(StaffProfile, on_delete=models.PROTECT)

        class Meta:
            app_label = "org"

    Indirect.__module__ = "branchcx.org.models"
    ids = {e.id for e in scoping_errors([Indirect])}
    assert ids == {"branchcx.E001"}


@isolate_apps("branchcx.org")
def test_exempt_model_says_why_and_passes():
    class Lookup(models.Model):
        scope_exempt = "Reference data shared by the whole network."

        class Meta:
            app_label = "org"

    Lookup.__module__ = "branchcx.org.models"
    assert scoping_errors([Lookup]) == []


@isolate_apps("branchcx.org")
def test_model_with_branch_key_but_no_scope_is_refused():
    class Forgotten(models.Model):
        branch = models.ForeignKey(Branch, on_delete=models.PROTECT)

        class Meta:
            app_label = "org"

    Forgotten.__module__ = "branchcx.org.models"
    ids = {e.id for e in scoping_errors([Forgotten])}
    assert ids == {"branchcx.E001"}


@isolate_apps("branchcx.org")
def test_scope_field_without_scoped_manager_is_refused():
    class HalfDone(models.Model):
        branch = models.ForeignKey(Branch, on_delete=models.PROTECT)
        scope_field = "branch"

        class Meta:
            app_label = "org"

    HalfDone.__module__ = "branchcx.org.models"
    ids = {e.id for e in scoping_errors([HalfDone])}
    assert ids == {"branchcx.E002"}


@isolate_apps("branchcx.org")
def test_scope_field_must_lead_to_branch():
    class Wrong(models.Model):
        branch = models.ForeignKey(Branch, on_delete=models.PROTECT)
        scope_field = "nowhere"
        objects = ScopedManager()

        class Meta:
            app_label = "org"

    Wrong.__module__ = "branchcx.org.models"
    ids = {e.id for e in scoping_errors([Wrong])}
    assert ids == {"branchcx.E003"}


# Modules allowed to use a scoped model's manager directly: the access layer itself, the
# writers (actions lock rows they were handed by access), read-side queries that receive
# scoped querysets, background tasks, and code that is not request-facing. Bulk writers
# (imports.py; jobs.py, its background runner) scope outlets and customers by the actor
# themselves, like actions. Rollup computations (rollups.py) run in the background over every
# outlet; their readers receive scoped querysets.
TRUSTED_MODULES = {
    "access.py",
    "actions.py",
    "imports.py",
    "jobs.py",
    "queries.py",
    "rollups.py",
    "tasks.py",
    "models.py",
    "admin.py",
    "checks.py",
    "scoping.py",
    "demo.py",
    "testing.py",
    "browser_testing.py",
    "conftest.py",
}


def _scoped_model_names() -> set[str]:
    from django.apps import apps

    return {
        m.__name__
        for m in apps.get_models()
        if m.__module__.startswith("branchcx.") and getattr(m, "scope_field", None) is not None
    }


def _unscoped_uses(path: Path, scoped: set[str]) -> list[int]:
    """Lines where ``Model.objects`` of a scoped model is used other than as
    ``Model.objects.visible_to(user)`` (or ``.none()``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"visible_to", "none"}:
            allowed.add(id(node.value))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in {"objects", "_default_manager"}
        and isinstance(node.value, ast.Name)
        and node.value.id in scoped
        and id(node) not in allowed
    ]


def test_request_facing_code_fetches_scoped_models_only_through_scoping():
    """Views, API, forms, template tags, home panels, middleware…: any module outside the
    trusted layers that touches ``Branch.objects`` (or any scoped model's manager) without
    ``.visible_to(user)`` could leak another branch's rows."""
    scoped = _scoped_model_names()
    assert {"Branch", "StaffProfile", "AuditEvent"} <= scoped
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        # a trusted module split into a package (surveys/queries/) stays trusted
        layers = {path.name, *(f"{part}.py" for part in parts[:-1])}
        if layers & TRUSTED_MODULES or {"tests", "migrations", "management"} & set(parts):
            continue
        if lines := _unscoped_uses(path, scoped):
            offenders[str(path.relative_to(PACKAGE))] = lines
    assert offenders == {}


def test_an_sqlite_without_update_from_is_refused_at_start():
    (error,) = sqlite_version_errors("sqlite", (3, 31, 1))
    assert error.id == "branchcx.E020" and "3.31.1" in error.msg
    assert sqlite_version_errors("sqlite", (3, 33, 0)) == []
    assert sqlite_version_errors("postgresql", None) == []


def test_next_years_unknown_holidays_are_warned_about_from_october():
    from datetime import date

    (warning,) = calendar_warnings(date(2031, 11, 23), {})
    assert warning.id == "branchcx.W021" and "2032" in warning.msg
    assert calendar_warnings(date(2031, 11, 23), {date(2032, 2, 11): False}) == []
    assert calendar_warnings(date(2031, 6, 1), {}) == []  # not yet the season
    assert calendar_warnings(date(2025, 11, 23), {}) == []  # 2026 is bundled
