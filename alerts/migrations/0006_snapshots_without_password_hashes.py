"""Deletion records keep no password hash (docs/security.md): remove those stored before."""

from django.db import migrations

SECRET_FIELDS = ("password",)


def strip_password_hashes(apps, schema_editor):
    DeletionRecord = apps.get_model("alerts", "DeletionRecord")
    records = DeletionRecord.objects.using(schema_editor.connection.alias).filter(
        content_type__app_label="auth", content_type__model="user"
    )
    stripped = []
    for record in records.only("pk", "snapshot").iterator(chunk_size=500):
        fields = record.snapshot.get("fields", {})
        if any(name in fields for name in SECRET_FIELDS):
            for name in SECRET_FIELDS:
                fields.pop(name, None)
            stripped.append(record)
    DeletionRecord.objects.using(schema_editor.connection.alias).bulk_update(
        stripped, ["snapshot"], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [("alerts", "0005_dashboard_counts")]

    operations = [migrations.RunPython(strip_password_hashes, migrations.RunPython.noop)]
