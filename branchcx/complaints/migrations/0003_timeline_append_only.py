"""Make the database itself refuse to rewrite a complaint's timeline (as for audit events).

UPDATE is refused on both engines, DELETE on PostgreSQL; SQLite's test flush needs DELETE,
and there the model and queryset refuse it instead.
"""

from django.db import migrations

TABLE = "complaints_timelineentry"
PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION complaint_timeline_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'complaint timelines are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER complaint_timeline_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION complaint_timeline_append_only();
CREATE TRIGGER complaint_timeline_no_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION complaint_timeline_append_only();
"""
PG_REVERSE = f"""
DROP TRIGGER IF EXISTS complaint_timeline_no_update ON {TABLE};
DROP TRIGGER IF EXISTS complaint_timeline_no_delete ON {TABLE};
DROP FUNCTION IF EXISTS complaint_timeline_append_only();
"""
SQLITE_FORWARD = f"""
CREATE TRIGGER complaint_timeline_no_update BEFORE UPDATE ON {TABLE}
BEGIN SELECT RAISE(ABORT, 'complaint timelines are append-only'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS complaint_timeline_no_update;"


def forward(apps, schema_editor):
    sql = {"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def reverse(apps, schema_editor):
    sql = {"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0002_reference_data")]
    operations = [migrations.RunPython(forward, reverse)]
