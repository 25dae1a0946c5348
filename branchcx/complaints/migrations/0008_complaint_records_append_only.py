"""Make the database itself keep what was recorded for a complaint, as the models do.

- What the customer said (the complaint's narrative) can never change.
- Decisions, notifications of the customer, attachments and recusals are never changed,
  except a decision's approval, given once to a decision that needs it; revisits are
  changed only to record the call-back, once.
- None of them is deleted: refused on PostgreSQL; SQLite's test flush needs DELETE, and there
  the models and querysets refuse it instead (as for the timeline, migration 0003).

The database cannot read sealed text (``v1:<key id>:<nonce|ciphertext>``), so it lets a
sealed value change only when it is sealed under another key: what ``rotate-keys`` does.
Sealing the same words again under the same key gives another ciphertext, so the models
never write a sealed column they did not change.

The column lists are those of this migration. SQLite drops a table's triggers when a later
migration rebuilds the table: such a migration must create them again (the tests of
``test_append_only.py`` notice the loss).
"""

from django.db import migrations

MESSAGE = "complaint records are append-only"
SAID_MESSAGE = "what the customer said cannot be changed"

# table: (columns never changed, sealed columns never changed, later columns, when they may
# still change). Later columns may change while the condition holds for the stored row.
RECORDS = {
    "complaints_decision": (
        ["id", "complaint_id", "kind", "outcome", "root_cause_id", "compensation",
         "decided_by_id", "decided_at", "needs_approval"],
        ["findings", "basis", "root_cause_note", "remedy", "recovery_actions"],
        ["approved_by_id", "approved_at"],
        "OLD.needs_approval AND OLD.approved_at IS NULL AND OLD.approved_by_id IS NULL",
    ),
    "complaints_notification": (
        ["id", "complaint_id", "kind", "method", "sent_at", "proof", "recorded_by_id",
         "recorded_at"],
        ["content"],
        [],
        "",
    ),
    "complaints_attachment": (
        ["id", "complaint_id", "uuid", "content_type", "size", "sha256", "description",
         "uploaded_by_id", "uploaded_at"],
        ["filename", "content"],
        [],
        "",
    ),
    "complaints_recusal": (
        ["id", "complaint_id", "staff_id", "recorded_at"],
        ["reason"],
        [],
        "",
    ),
    "complaints_revisit": (
        ["id", "complaint_id", "due_on", "assigned_to_id"],
        [],
        ["done_at", "method", "satisfaction", "note"],
        "OLD.done_at IS NULL",
    ),
}  # fmt: skip
LATER_SEALED = {"note"}


class Dialect:
    def __init__(self, vendor):
        self.pg = vendor == "postgresql"

    def key_id(self, value):
        """The key id of a sealed value, NULL when the value is not sealed text."""
        if self.pg:
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

    def changed(self, column):
        op = "IS DISTINCT FROM" if self.pg else "IS NOT"
        return f"NEW.{column} {op} OLD.{column}"

    def sealed_changed(self, column):
        """Changed, other than sealed again under another key."""
        old, new = self.key_id(f"OLD.{column}"), self.key_id(f"NEW.{column}")
        resealed = f"({old}) IS NOT NULL AND ({new}) IS NOT NULL AND ({old}) <> ({new})"
        return f"({self.changed(column)} AND NOT ({resealed}))"

    def refused(self, plain, sealed, later, open_while):
        """The condition under which an UPDATE of the row is refused."""
        parts = [self.changed(c) for c in plain]
        parts += [self.sealed_changed(c) for c in sealed]
        later_changed = [
            self.sealed_changed(c) if c in LATER_SEALED else self.changed(c) for c in later
        ]
        if later_changed:
            parts.append(f"(NOT ({open_while}) AND ({' OR '.join(later_changed)}))")
        return " OR ".join(f"({p})" for p in parts)

    def no_update(self, name, table, condition, message):
        if self.pg:
            return (
                f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} FOR EACH ROW "
                f"WHEN ({condition}) EXECUTE FUNCTION complaints_refuse_change('{message}')"
            )
        return (
            f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} FOR EACH ROW WHEN {condition} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )

    def drop(self, name, table):
        return f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if self.pg else "")


PG_FUNCTION = """
CREATE OR REPLACE FUNCTION complaints_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = TG_ARGV[0];
END;
$$ LANGUAGE plpgsql
"""


def statements(vendor):
    """(forward, reverse) SQL statements for the engine, one statement each."""
    sql = Dialect(vendor)
    forward = [PG_FUNCTION] if sql.pg else []
    reverse = []
    said = sql.sealed_changed("narrative")
    forward.append(sql.no_update("complaint_said_kept", "complaints_complaint", said,
                                 SAID_MESSAGE))  # fmt: skip
    reverse.append(sql.drop("complaint_said_kept", "complaints_complaint"))
    for table, columns in RECORDS.items():
        forward.append(sql.no_update(f"{table}_no_update", table, sql.refused(*columns), MESSAGE))
        reverse.append(sql.drop(f"{table}_no_update", table))
        if sql.pg:
            forward.append(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} FOR EACH ROW "
                f"EXECUTE FUNCTION complaints_refuse_change('{MESSAGE}')"
            )
            reverse.append(sql.drop(f"{table}_no_delete", table))
    if sql.pg:
        reverse.append("DROP FUNCTION IF EXISTS complaints_refuse_change()")
    return forward, reverse


def run(apps, schema_editor, *, direction):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    for statement in statements(vendor)[direction]:
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    run(apps, schema_editor, direction=0)


def reverse(apps, schema_editor):
    run(apps, schema_editor, direction=1)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0007_reference_data_versions")]
    operations = [migrations.RunPython(forward, reverse)]
