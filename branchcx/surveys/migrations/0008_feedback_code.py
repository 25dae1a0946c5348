"""The QR code that brings a respondent to a survey is a feedback code (``lobby`` is the app
of the branch floor): the model, its permissions and the response's link to it are renamed,
keeping every row."""

import django.db.models.deletion
from django.db import migrations, models


def rename_permissions(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(
        content_type__app_label="surveys", codename__endswith="_lobbycode"
    ):
        permission.codename = permission.codename.replace("_lobbycode", "_feedbackcode")
        permission.save(update_fields=["codename"])


def restore_permissions(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(
        content_type__app_label="surveys", codename__endswith="_feedbackcode"
    ):
        permission.codename = permission.codename.replace("_feedbackcode", "_lobbycode")
        permission.save(update_fields=["codename"])


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("surveys", "0007_servqual_asks_csat"),
    ]

    operations = [
        migrations.RenameModel("LobbyCode", "FeedbackCode"),
        migrations.RenameField("response", "lobby_code", "feedback_code"),
        migrations.AlterField(
            model_name="feedbackcode",
            name="survey",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="feedback_codes",
                to="surveys.survey",
                verbose_name="survey",
            ),
        ),
        migrations.RunPython(rename_permissions, restore_permissions),
    ]
