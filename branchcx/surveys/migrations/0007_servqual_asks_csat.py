"""The shipped SERVQUAL questionnaire asks for CSAT (1-5) after the overall rating, so that
satisfaction can be a driver outcome. Installations whose SERVQUAL survey does not ask it
get a new published version with the question (answers keep the version they answered),
unless head office has a draft in progress: the draft gets the question, and asks it once
head office publishes it."""

import copy
import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

SHIPPED = Path(__file__).resolve().parent.parent / "questionnaires" / "servqual.json"


def _csat_question():
    definition = json.loads(SHIPPED.read_text(encoding="utf-8"))
    for section in definition["sections"]:
        for question in section["questions"]:
            if question["key"] == "csat":
                return question
    raise LookupError("servqual.json has no csat question")


def _asks_csat(definition):
    return any(q.get("key") == "csat" for s in definition.get("sections", [])
               for q in s.get("questions", []))  # fmt: skip


def _with_csat(definition, question):
    changed = copy.deepcopy(definition)
    for section in changed.get("sections", []):
        keys = [q.get("key") for q in section.get("questions", [])]
        if "overall" in keys:
            section["questions"].insert(keys.index("overall") + 1, copy.deepcopy(question))
            return changed
    changed["sections"][-1]["questions"].append(copy.deepcopy(question))
    return changed


def ask_csat(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    SurveyVersion = apps.get_model("surveys", "SurveyVersion")
    survey = Survey.objects.filter(code="servqual").first()
    if survey is None:
        return
    question = _csat_question()
    versions = SurveyVersion.objects.filter(survey=survey)
    drafts = list(versions.filter(published_at__isnull=True))
    for draft in drafts:
        if not _asks_csat(draft.definition):
            draft.definition = _with_csat(draft.definition, question)
            draft.save(update_fields=["definition"])
    if drafts:
        return
    current = versions.filter(published_at__isnull=False).order_by("-number").first()
    if current is None or _asks_csat(current.definition):
        return
    latest = versions.order_by("-number").first()
    SurveyVersion.objects.create(
        survey=survey,
        number=latest.number + 1,
        definition=_with_csat(current.definition, question),
        published_at=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0006_satisfaction_rollups"),
    ]

    operations = [migrations.RunPython(ask_csat, migrations.RunPython.noop)]
