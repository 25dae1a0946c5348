"""The questionnaires shipped with BranchCX, live from the start: the 22-item SERVQUAL
instrument, a short survey after a visit and the revisit survey after a complaint. Their
wording is read from ``branchcx/surveys/questionnaires/`` (data, not code)."""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

FOLDER = Path(__file__).resolve().parent.parent / "questionnaires"
SHIPPED = [
    # code, kind, file, days an invitation stays valid
    ("servqual", "servqual", "servqual.json", 14),
    ("post-visit", "post_visit", "post_visit.json", 7),
    ("post-complaint", "post_complaint", "post_complaint.json", 14),
]


def ship(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    SurveyVersion = apps.get_model("surveys", "SurveyVersion")
    now = timezone.now()
    for code, kind, filename, days in SHIPPED:
        definition = json.loads((FOLDER / filename).read_text(encoding="utf-8"))
        survey, created = Survey.objects.get_or_create(
            code=code,
            defaults={
                "kind": kind,
                "name": definition["title"]["zh"],
                "name_en": definition["title"].get("en", ""),
                "status": "live",
                "invitation_days": days,
            },
        )
        if created:
            SurveyVersion.objects.create(
                survey=survey, number=1, definition=definition, published_at=now
            )


def unship(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    SurveyVersion = apps.get_model("surveys", "SurveyVersion")
    codes = [code for code, *_rest in SHIPPED]
    unused = Survey.objects.filter(code__in=codes, responses=None, invitations=None)
    SurveyVersion.objects.filter(survey__in=unused).delete()
    unused.delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_surveys")]

    operations = [migrations.RunPython(ship, unship)]
