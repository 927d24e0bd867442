"""Usernames unique regardless of letter case: a unique index on LOWER(username) of Django's
auth_user table, on both databases (docs/staff-accounts.md).

Django's own user model stays as it is (no constraint can be declared on it from another
app), so the index is created by SQL; forms and imports refuse a clash with a message before
the database has to (backoffice.accounts.usernames). The index cannot be built over usernames
that already differ only in case: the check before it refuses to run over them and lists
them, so a superuser can rename or remove one and migrate again.
"""

from django.db import migrations
from django.db.models import Count
from django.db.models.functions import Lower

INDEX = "auth_user_username_lower_uniq"
LISTED_AT_MOST = 100


class CaseDuplicateUsernames(Exception):
    """Accounts whose usernames differ only in letter case."""


def refuse_case_duplicates(apps, schema_editor):
    User = apps.get_model("auth", "User")
    users = User.objects.using(schema_editor.connection.alias)
    keys = list(
        users.annotate(key=Lower("username"))
        .values("key")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
        .order_by("key")
        .values_list("key", flat=True)
    )
    if not keys:
        return
    lines = []
    for key in keys[:LISTED_AT_MOST]:
        clash = users.annotate(key=Lower("username")).filter(key=key).order_by("pk")
        lines.append(
            ", ".join(f"{name} (id {pk})" for pk, name in clash.values_list("pk", "username"))
        )
    if len(keys) > LISTED_AT_MOST:
        lines.append(f"… and {len(keys) - LISTED_AT_MOST} more groups.")
    raise CaseDuplicateUsernames(
        f"{len(keys)} username(s) are used by several accounts in different letter case; "
        "usernames must be unique regardless of case. Rename or delete these accounts, then "
        "migrate again:\n  " + "\n  ".join(lines)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_account_event_target_pk"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(refuse_case_duplicates, migrations.RunPython.noop, elidable=False),
        migrations.RunSQL(
            f'CREATE UNIQUE INDEX "{INDEX}" ON "auth_user" (LOWER("username"))',
            f'DROP INDEX "{INDEX}"',
        ),
    ]
