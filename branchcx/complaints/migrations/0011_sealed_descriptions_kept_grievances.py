"""Seal attachment descriptions and keep the voice of the customer as said.

- An attachment's description (what the document shows: often a name, an account, an
  amount) is personal data: it is sealed like the file name and content. Descriptions
  already stored are sealed in place.
- A grievance (抱怨) is what a customer said: it is never changed nor deleted, except that it
  is promoted to a complaint once. The database refuses the same (PostgreSQL refuses
  deletes; on SQLite the models and querysets do, as in migration 0008).

The triggers of migration 0008 for attachments are recreated with the description among the
sealed columns (``RECORDS`` below is the list as of this migration).
"""

import importlib

from django.db import migrations

import branchcx.lib.crypto

BASE = importlib.import_module("branchcx.complaints.migrations.0008_complaint_records_append_only")
MESSAGE = BASE.MESSAGE
GRIEVANCE_MESSAGE = "what the customer said cannot be changed"

RECORDS = {
    **BASE.RECORDS,
    "complaints_attachment": (
        ["id", "complaint_id", "uuid", "content_type", "size", "sha256", "uploaded_by_id",
         "uploaded_at"],
        ["filename", "content", "description"],
        [],
        "",
    ),
    "complaints_grievance": (
        ["id", "uuid", "customer_id", "outlet_id", "source", "recorded_by_id", "recorded_at"],
        ["text"],
        ["promoted_to_id"],
        "OLD.promoted_to_id IS NULL",
    ),
}  # fmt: skip
LATER_SEALED = BASE.LATER_SEALED
CHANGED = {
    "complaints_attachment": MESSAGE,
    "complaints_grievance": GRIEVANCE_MESSAGE,
}


def statements(vendor, tables):
    """(forward, reverse) SQL for the triggers of ``tables``."""
    sql = BASE.Dialect(vendor)
    forward, reverse = [], []
    for table in tables:
        condition = sql.refused(*RECORDS[table])
        forward.append(sql.no_update(f"{table}_no_update", table, condition, CHANGED[table]))
        reverse.append(sql.drop(f"{table}_no_update", table))
        if sql.pg:
            forward.append(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} FOR EACH ROW "
                f"EXECUTE FUNCTION complaints_refuse_change('{CHANGED[table]}')"
            )
            reverse.append(sql.drop(f"{table}_no_delete", table))
    return forward, reverse


def _execute(schema_editor, sql_statements):
    if schema_editor.connection.vendor not in ("postgresql", "sqlite"):
        return
    for statement in sql_statements:
        schema_editor.execute(statement, params=None)


def drop_attachment_triggers(apps, schema_editor):
    _execute(schema_editor, statements(schema_editor.connection.vendor,
                                       ["complaints_attachment"])[1])  # fmt: skip


def create_attachment_triggers(apps, schema_editor):
    # the triggers of migration 0008, before this one's
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    sql = BASE.Dialect(vendor)
    table = "complaints_attachment"
    schema_editor.execute(sql.no_update(f"{table}_no_update", table,
                                        sql.refused(*BASE.RECORDS[table]), MESSAGE), params=None)  # fmt: skip
    if sql.pg:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION complaints_refuse_change('{MESSAGE}')",
            params=None,
        )


def seal_descriptions(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, description FROM complaints_attachment WHERE description <> ''"
        )
        rows = cursor.fetchall()
        for pk, description in rows:
            cursor.execute(
                "UPDATE complaints_attachment SET description_sealed = %s WHERE id = %s",
                [branchcx.lib.crypto.encrypt(description, "attachment.description"), pk],
            )


def unseal_descriptions(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, description_sealed FROM complaints_attachment "
            "WHERE description_sealed <> ''"
        )
        for pk, sealed in cursor.fetchall():
            cursor.execute(
                "UPDATE complaints_attachment SET description = %s WHERE id = %s",
                [branchcx.lib.crypto.decrypt(sealed, "attachment.description")[:200], pk],
            )


def keep(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _execute(schema_editor, statements(vendor, ["complaints_attachment",
                                                "complaints_grievance"])[0])  # fmt: skip


def unkeep(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _execute(schema_editor, statements(vendor, ["complaints_attachment",
                                                "complaints_grievance"])[1])  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("complaints", "0010_statistics_rollups")]

    operations = [
        migrations.RunPython(drop_attachment_triggers, create_attachment_triggers),
        migrations.AddField(
            model_name="attachment",
            name="description_sealed",
            field=branchcx.lib.crypto.EncryptedTextField(
                blank=True, default="", purpose="attachment.description"
            ),
        ),
        migrations.RunPython(seal_descriptions, unseal_descriptions),
        migrations.RemoveField(model_name="attachment", name="description"),
        migrations.RenameField(
            model_name="attachment", old_name="description_sealed", new_name="description"
        ),
        migrations.AlterField(
            model_name="attachment",
            name="description",
            field=branchcx.lib.crypto.EncryptedTextField(
                blank=True, default="", purpose="attachment.description",
                verbose_name="description",
            ),
        ),  # fmt: skip
        migrations.RunPython(keep, unkeep),
    ]
