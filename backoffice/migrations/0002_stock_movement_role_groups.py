"""Inventory managers and Viewers may view stock movements (backoffice/accounts/roles.py)."""

from django.db import migrations


def sync_role_groups(apps, schema_editor):
    from backoffice.accounts.roles import sync_role_groups

    sync_role_groups(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0001_role_groups"),
        ("catalog", "0009_stock_movements_opening"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
