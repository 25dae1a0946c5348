from __future__ import annotations

import ast
from pathlib import Path

from django.db import models
from django.test.utils import isolate_apps

from branchcx.org.checks import check_branch_scoping, scoping_errors
from branchcx.org.models import Branch
from branchcx.org.scoping import ScopedManager

PACKAGE = Path(__file__).resolve().parents[2]


def test_project_models_pass_the_scoping_check(db):
    assert check_branch_scoping() == []


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


def _objects_uses(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in {"objects", "_default_manager"}
    ]


def test_views_and_endpoints_fetch_only_through_access_modules():
    """A view or API module that touches Model.objects could skip scoping; they must go
    through their app's access.py (or a query in queries.py that receives a scoped set)."""
    offenders = {
        str(path.relative_to(PACKAGE)): lines
        for name in ("views.py", "api.py")
        for path in PACKAGE.glob(f"*/{name}")
        if (lines := _objects_uses(path))
    }
    assert offenders == {}
