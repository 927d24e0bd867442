"""Give the role groups their alerts permissions (view, acknowledge) now the models exist."""

from django.db import migrations


def sync_role_groups(apps, schema_editor):
    from backoffice.accounts.roles import sync_role_groups

    sync_role_groups(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_initial"),
        ("backoffice", "0001_role_groups"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
