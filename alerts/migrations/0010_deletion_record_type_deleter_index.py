"""The deletion records' "deleted by" filter, for a reader who sees some types of record
only, reads the distinct deleters per type from this index (backoffice.kit.list_filters):
one probe per name and type, whatever the table holds, instead of walking the username
index past the records of types the reader may not see."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0009_acknowledged_count_and_resolution_stock"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="deletionrecord",
            index=models.Index(
                fields=["content_type", "deleted_by_username"],
                name="alerts_deletion_type_by_idx",
            ),
        ),
    ]
