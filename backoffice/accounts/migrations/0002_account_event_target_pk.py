"""AccountEvent.target_pk: the target's ID, kept when the account is deleted, so a restored
account is still held from resets after someone else changed its address
(rules.password_reset_held). Events recorded before get the ID they still link to."""

from django.db import migrations, models
from django.db.models import F


def target_pk_fill(apps, schema_editor):
    AccountEvent = apps.get_model("accounts", "AccountEvent")
    AccountEvent.objects.filter(target__isnull=False).update(target_pk=F("target_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_staff_accounts"),
    ]

    operations = [
        migrations.AddField(
            model_name="accountevent",
            name="target_pk",
            field=models.IntegerField(blank=True, db_index=True, null=True),
        ),
        migrations.RunPython(target_pk_fill, migrations.RunPython.noop),
    ]
