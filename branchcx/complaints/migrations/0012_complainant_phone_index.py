"""A blind index of the complainant's phone, so that intake finds a walk-in complainant's
other open complaints by the number they give (the phone itself stays sealed). Complaints
already stored are indexed here."""

from django.db import migrations

import branchcx.lib.crypto
import branchcx.lib.identifiers

BATCH = 500


def index_phones(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    field = Complaint._meta.get_field("complainant_phone_index")
    last = 0
    while True:
        batch = list(
            Complaint.objects.filter(pk__gt=last).order_by("pk").only("pk", "complainant_phone")[
                :BATCH
            ]
        )
        if not batch:
            return
        for complaint in batch:
            if complaint.complainant_phone:
                Complaint.objects.filter(pk=complaint.pk).update(
                    complainant_phone_index=field.index_for(complaint.complainant_phone)
                )
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0011_sealed_descriptions_kept_grievances"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="complainant_phone_index",
            field=branchcx.lib.crypto.BlindIndexField(
                db_index=True,
                normaliser=branchcx.lib.identifiers.normalise_contact_phone,
                purpose="complaint.complainant_phone",
                source="complainant_phone",
            ),
        ),
        migrations.RunPython(index_phones, migrations.RunPython.noop),
    ]
