"""Dashboard counts that never make one writer wait for another (PostgreSQL).

0005 added each statement's change to a row per (count, quarter hour, backend pid % 8)
with an upsert, which holds that row locked until the transaction ends. Two transactions
whose backends shared a slot and wrote the same products in another order deadlocked
(concurrent list edits on the product list: one of them failed). Now a statement deletes
the rows of the quarter hours it changes that no other transaction holds (FOR UPDATE SKIP
LOCKED) and inserts one row with their sum plus its change: it never waits on a row of
counts, so it cannot deadlock on one, and a quarter hour keeps about one row per
transaction writing it at the same moment. Rows a running transaction holds are folded by
the next statement after it ends. The unique constraint goes on PostgreSQL (rows of one
quarter hour may coexist). SQLite, one writer at a time, keeps it: 0005's triggers upsert
on it, and dropping it would rebuild the table under those triggers (the model no longer
declares it; SQLite's schema keeps it, as it keeps its search tables).

The SQL is frozen here on purpose; the names match alerts.models.DashboardCount.Name.
"""

from importlib import import_module

from django.db import migrations, models

TABLE = "alerts_dashboardcount"
UNRESOLVED = "{r}.status IN ('open', 'acknowledged')"
COUNTED = {
    "alerts_stockalert": [
        ("alerts_raised", "raised_at", "TRUE"),
        ("alerts_unresolved", None, UNRESOLVED),
    ],
    "alerts_deletionrecord": [("deletions", "deleted_at", "TRUE")],
    "catalog_product": [("products_out_of_stock", None, "{r}.stock = 0")],
}
PG_UNDATED = "TIMESTAMPTZ '2000-01-01 00:00:00+00'"
CONSTRAINT = "alerts_dashboardcount_unique"
INDEX = "alerts_dashboardcount_idx"


def pg_bucket(column: str | None, rows: str) -> str:
    if column is None:
        return PG_UNDATED
    return f"date_bin('15 minutes', {rows}.{column}, {PG_UNDATED})"


def pg_changes(table: str, sources: list[tuple[str, int]]) -> str:
    return " UNION ALL ".join(
        f"SELECT '{name}' AS name, {pg_bucket(column, 'r')} AS bucket, {sign} AS delta"
        f" FROM {relation} r WHERE {condition.format(r='r')}"
        for relation, sign in sources
        for name, column, condition in COUNTED[table]
    )


def pg_fold(changes: str) -> str:
    """Fold the unheld rows of the changed quarter hours and the change into one row each."""
    return f"""WITH changes AS (
            SELECT name, bucket, SUM(delta) AS delta FROM ({changes}) AS raw
            GROUP BY name, bucket
        ), folded AS (
            DELETE FROM {TABLE} c WHERE c.id IN (
                SELECT k.id FROM {TABLE} k
                JOIN changes ch ON k.name = ch.name AND k.bucket = ch.bucket
                FOR UPDATE OF k SKIP LOCKED
            ) RETURNING c.name, c.bucket, c.value
        )
        INSERT INTO {TABLE} (name, bucket, slot, value)
        SELECT name, bucket, 0, SUM(value) FROM (
            SELECT name, bucket, delta AS value FROM changes
            UNION ALL SELECT name, bucket, value FROM folded
        ) AS parts GROUP BY name, bucket HAVING SUM(value) <> 0"""


def pg_functions() -> list[str]:
    statements = []
    for table, counted in COUNTED.items():
        names = ", ".join(f"'{name}'" for name, _, _ in counted)
        function = f"alerts_count_{table}"
        statements.append(
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {pg_fold(pg_changes(table, [("new_rows", 1)]))};
    ELSIF TG_OP = 'DELETE' THEN
        {pg_fold(pg_changes(table, [("old_rows", -1)]))};
    ELSIF TG_OP = 'UPDATE' THEN
        {pg_fold(pg_changes(table, [("new_rows", 1), ("old_rows", -1)]))};
    ELSE
        DELETE FROM {TABLE} WHERE name IN ({names});
    END IF;
    RETURN NULL;
END $$"""
        )
    # Products' updates: the row-level function of 0005, for a stock crossing zero.
    ((name, _column, condition),) = COUNTED["catalog_product"]
    new, old = condition.format(r="NEW"), condition.format(r="OLD")
    change = (
        f"SELECT '{name}' AS name, {PG_UNDATED} AS bucket,"
        f" (CASE WHEN {new} THEN 1 ELSE 0 END) - (CASE WHEN {old} THEN 1 ELSE 0 END) AS delta"
    )
    statements.append(
        f"""CREATE OR REPLACE FUNCTION alerts_count_catalog_product_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {pg_fold(change)};
    RETURN NULL;
END $$"""
    )
    return statements


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    statements = [
        f"ALTER TABLE {TABLE} DROP CONSTRAINT {CONSTRAINT}",
        f"CREATE INDEX {INDEX} ON {TABLE} (name, bucket)",
        *pg_functions(),
    ]
    for statement in statements:
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # 0005's functions and triggers again, and one row per quarter hour (slot 0) for the
    # unique constraint that comes back.
    previous = import_module("alerts.migrations.0005_dashboard_counts")
    statements = [
        *(statement for table in COUNTED for statement in previous.pg_drop(table)),
        *(statement for table in COUNTED for statement in previous.pg_create(table)),
        "CREATE TEMPORARY TABLE dashboard_totals AS SELECT name, bucket, SUM(value) AS value"
        f" FROM {TABLE} GROUP BY name, bucket",
        f"DELETE FROM {TABLE}",
        f"INSERT INTO {TABLE} (name, bucket, slot, value)"
        " SELECT name, bucket, 0, value FROM dashboard_totals WHERE value <> 0",
        "DROP TABLE dashboard_totals",
        f"DROP INDEX {INDEX}",
        f"ALTER TABLE {TABLE} ADD CONSTRAINT {CONSTRAINT} UNIQUE (name, bucket, slot)",
    ]
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("alerts", "0006_snapshots_without_password_hashes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="dashboardcount", name=CONSTRAINT),
                migrations.AddIndex(
                    model_name="dashboardcount",
                    index=models.Index(fields=["name", "bucket"], name=INDEX),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
        ),
    ]
