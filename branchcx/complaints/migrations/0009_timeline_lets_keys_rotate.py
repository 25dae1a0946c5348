"""Let ``rotate-keys`` seal a timeline entry's note under the new key.

Migration 0003 refuses every UPDATE of a timeline entry, so key rotation stopped at the first
note sealed under the old key. The trigger now refuses any change except the note sealed
again under another key (``v1:<key id>:...``), which is all ``rotate-keys`` writes; the
database cannot read the note, and the model refuses every change as before.
"""

from django.db import migrations

TABLE = "complaints_timelineentry"
NAME = "complaint_timeline_no_update"
PLAIN = ["id", "complaint_id", "at", "actor_id", "kind", "from_state", "to_state", "detail"]
MESSAGE = "complaint timelines are append-only"


def key_id(value, pg):
    """The key id of a sealed value, NULL when the value is not sealed text."""
    if pg:
        return (
            f"CASE WHEN split_part({value}, ':', 1) = 'v1' "
            f"AND split_part({value}, ':', 3) <> '' "
            f"THEN NULLIF(split_part({value}, ':', 2), '') END"
        )
    rest = f"substr({value}, 4)"
    return (
        f"CASE WHEN substr({value}, 1, 3) = 'v1:' AND instr({rest}, ':') > 1 "
        f"AND length({rest}) > instr({rest}, ':') "
        f"THEN substr({rest}, 1, instr({rest}, ':') - 1) END"
    )


def refused(pg):
    op = "IS DISTINCT FROM" if pg else "IS NOT"
    old, new = key_id("OLD.text", pg), key_id("NEW.text", pg)
    resealed = f"({old}) IS NOT NULL AND ({new}) IS NOT NULL AND ({old}) <> ({new})"
    parts = [f"NEW.{c} {op} OLD.{c}" for c in PLAIN]
    parts.append(f"NEW.text {op} OLD.text AND NOT ({resealed})")
    return " OR ".join(f"({p})" for p in parts)


def pg_trigger(condition):
    when = f"WHEN ({condition}) " if condition else ""
    return (
        f"CREATE TRIGGER {NAME} BEFORE UPDATE ON {TABLE} FOR EACH ROW {when}"
        "EXECUTE FUNCTION complaint_timeline_append_only()"
    )


def sqlite_trigger(condition):
    when = f"WHEN {condition} " if condition else ""
    return (
        f"CREATE TRIGGER {NAME} BEFORE UPDATE ON {TABLE} FOR EACH ROW {when}"
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )


def replace(schema_editor, *, rotation):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {NAME} ON {TABLE}", params=None)
        schema_editor.execute(pg_trigger(refused(True) if rotation else ""), params=None)
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {NAME}", params=None)
        schema_editor.execute(sqlite_trigger(refused(False) if rotation else ""), params=None)


def forward(apps, schema_editor):
    replace(schema_editor, rotation=True)


def reverse(apps, schema_editor):
    replace(schema_editor, rotation=False)  # as 0003 made it


class Migration(migrations.Migration):
    dependencies = [("complaints", "0008_complaint_records_append_only")]
    operations = [migrations.RunPython(forward, reverse)]
