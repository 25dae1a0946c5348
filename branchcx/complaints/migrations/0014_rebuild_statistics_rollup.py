"""The statistics rollup gained a table (complaint counts): its stored generation has no rows
in it, so the rollup is marked as never built. Pages count from the complaints until the
worker's next run rebuilds it (or ``branchcx rollups rebuild``)."""

from django.db import migrations

NAME = "complaints.statistics"


def unbuilt(apps, schema_editor):
    state = apps.get_model("rollups", "RollupState")
    state.objects.filter(name=NAME).update(watermark=None, updated_at=None, built_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0013_dashboard_counts_and_repeats_index"),
        ("rollups", "0001_rollup_state_and_marks"),
    ]

    operations = [migrations.RunPython(unbuilt, migrations.RunPython.noop)]
