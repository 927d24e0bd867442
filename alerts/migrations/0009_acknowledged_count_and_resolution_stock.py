"""Alerts keep the stock they were resolved at and, once their product is deleted, its ID
(so a restore links them again); the dashboard counts acknowledged alerts too.

The count "alerts_acknowledged" (unresolved alerts someone acknowledged) joins the counts
the alert table's triggers keep (0005, 0007): the dashboard shows open vs acknowledged
without counting rows. PostgreSQL: the statement-level function of 0007 replaced by one
that counts it too. SQLite: the alert table's row-level triggers of 0005 made again with it.

The SQL is frozen here on purpose; the names match alerts.models.DashboardCount.Name.
"""

from importlib import import_module

from django.conf import settings
from django.db import migrations, models

TABLE = "alerts_dashboardcount"
ALERTS = "alerts_stockalert"
ACKNOWLEDGED = "alerts_acknowledged"
# 0005's counts of the alert table, and the new one.
COUNTED = [
    ("alerts_raised", "raised_at", "TRUE"),
    ("alerts_unresolved", None, "{r}.status IN ('open', 'acknowledged')"),
    (ACKNOWLEDGED, None, "{r}.status = 'acknowledged'"),
]
COUNTED_COLUMNS = ["raised_at", "status"]

counts_0005 = import_module("alerts.migrations.0005_dashboard_counts")
counts_0007 = import_module("alerts.migrations.0007_dashboard_counts_without_waits")


def pg_changes(sources: list[tuple[str, int]]) -> str:
    return " UNION ALL ".join(
        f"SELECT '{name}' AS name, {counts_0007.pg_bucket(column, 'r')} AS bucket,"
        f" {sign} AS delta FROM {relation} r WHERE {condition.format(r='r')}"
        for relation, sign in sources
        for name, column, condition in COUNTED
    )


def pg_function() -> str:
    fold = counts_0007.pg_fold
    names = ", ".join(f"'{name}'" for name, _, _ in COUNTED)
    return f"""CREATE OR REPLACE FUNCTION alerts_count_{ALERTS}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {fold(pg_changes([("new_rows", 1)]))};
    ELSIF TG_OP = 'DELETE' THEN
        {fold(pg_changes([("old_rows", -1)]))};
    ELSIF TG_OP = 'UPDATE' THEN
        {fold(pg_changes([("new_rows", 1), ("old_rows", -1)]))};
    ELSE
        DELETE FROM {TABLE} WHERE name IN ({names});
    END IF;
    RETURN NULL;
END $$"""


def sqlite_triggers() -> list[str]:
    changed = " OR ".join(f"old.{column} IS NOT new.{column}" for column in COUNTED_COLUMNS)
    adds = " ".join(counts_0005.sqlite_add(*count) for count in COUNTED)
    removes = " ".join(counts_0005.sqlite_remove(*count) for count in COUNTED)
    prefix = f"alerts_count_{ALERTS}"
    return [
        f"CREATE TRIGGER {prefix}_insert AFTER INSERT ON {ALERTS} BEGIN {adds} END",
        f"CREATE TRIGGER {prefix}_delete AFTER DELETE ON {ALERTS} BEGIN {removes} END",
        f"CREATE TRIGGER {prefix}_update AFTER UPDATE OF {', '.join(COUNTED_COLUMNS)}"
        f" ON {ALERTS} WHEN {changed} BEGIN {removes} {adds} END",
    ]


def backfill(undated: str) -> str:
    return (
        f"INSERT INTO {TABLE} (name, bucket, slot, value)"
        f" SELECT '{ACKNOWLEDGED}', {undated}, 0, COUNT(*) FROM {ALERTS}"
        " WHERE status = 'acknowledged' HAVING COUNT(*) > 0"
    )


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = [pg_function(), backfill(counts_0007.PG_UNDATED)]
    else:
        statements = [
            *counts_0005.sqlite_drop(ALERTS),
            *sqlite_triggers(),
            backfill(counts_0005.SQLITE_UNDATED),
        ]
    for statement in statements:
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = counts_0007.pg_functions()
    else:
        statements = [*counts_0005.sqlite_drop(ALERTS), *counts_0005.sqlite_create(ALERTS)]
    statements.append(f"DELETE FROM {TABLE} WHERE name = '{ACKNOWLEDGED}'")
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0008_stockalert_movement"),
        ("catalog", "0009_stock_movements_opening"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="stockalert",
            name="deleted_product_pk",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="stockalert",
            name="stock_at_resolution",
            field=models.IntegerField(
                blank=True,
                help_text="The product's stock when the alert was resolved (restocked, deleted or resolved by hand).",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="dashboardcount",
            name="name",
            field=models.CharField(
                choices=[
                    ("alerts_raised", "stock alerts raised (per quarter hour of raised_at)"),
                    ("alerts_unresolved", "unresolved stock alerts"),
                    ("alerts_acknowledged", "acknowledged (unresolved) stock alerts"),
                    ("deletions", "deletion records (per quarter hour of deleted_at)"),
                    ("products_out_of_stock", "products out of stock"),
                ],
                max_length=32,
            ),
        ),
        migrations.AddIndex(
            model_name="stockalert",
            index=models.Index(
                condition=models.Q(("deleted_product_pk__isnull", False)),
                fields=["deleted_product_pk"],
                name="alerts_stockalert_deleted_idx",
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
