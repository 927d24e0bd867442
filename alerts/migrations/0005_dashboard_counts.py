"""The dashboard's counts, kept by triggers on the counted tables (alerts.models.DashboardCount).

Counted: alerts raised per quarter hour of raised_at, unresolved alerts, deletion records
per quarter hour of deleted_at, products out of stock. The dashboard and the side-menu badge
used to count these rows on every page view, which grows with the tables (at 1M alerts,
100k unresolved ones: ~20 ms a dashboard); summing these rows does not.

PostgreSQL: statement-level triggers with transition tables (one upsert per statement, for
a COPY of a million rows too), except products' updates: a row-level trigger that fires
only when a product's stock crosses zero (most product updates never reach the function).
Each statement adds to the row of its slot (the backend's pid modulo 8), so concurrent
writers rarely wait for each other's row. TRUNCATE empties the table's counts.

SQLite: row-level triggers (one writer at a time, one slot). A deletion only lowers a row
that exists: Django's flush empties the tables in no fixed order, and a row of counts
deleted before the alerts must not come back negative.

The SQL is frozen here on purpose; the names match alerts.models.DashboardCount.Name.
"""

from django.db import migrations, models

TABLE = "alerts_dashboardcount"
UNRESOLVED = "{r}.status IN ('open', 'acknowledged')"
# table: [(count name, dated by column or None, condition on a row {r})]
COUNTED = {
    "alerts_stockalert": [
        ("alerts_raised", "raised_at", "TRUE"),
        ("alerts_unresolved", None, UNRESOLVED),
    ],
    "alerts_deletionrecord": [("deletions", "deleted_at", "TRUE")],
    "catalog_product": [("products_out_of_stock", None, "{r}.stock = 0")],
}
# The columns the counts read: SQLite's update triggers fire when one of them changes.
COUNTED_COLUMNS = {
    "alerts_stockalert": ["raised_at", "status"],
    "alerts_deletionrecord": ["deleted_at"],
    "catalog_product": ["stock"],
}
# Tables whose updates PostgreSQL counts with a row-level trigger firing on this only.
ROW_LEVEL_UPDATES = {"catalog_product": "(OLD.stock = 0) IS DISTINCT FROM (NEW.stock = 0)"}
SLOTS = 8

# --- PostgreSQL ----------------------------------------------------------------------------

PG_UNDATED = "TIMESTAMPTZ '2000-01-01 00:00:00+00'"


def pg_bucket(column: str | None, rows: str) -> str:
    if column is None:
        return PG_UNDATED
    return f"date_bin('15 minutes', {rows}.{column}, {PG_UNDATED})"


def pg_changes(table: str, sources: list[tuple[str, int]]) -> str:
    """(name, bucket, delta) of every counted row of the sources (relation, sign)."""
    return " UNION ALL ".join(
        f"SELECT '{name}' AS name, {pg_bucket(column, 'r')} AS bucket, {sign} AS delta"
        f" FROM {relation} r WHERE {condition.format(r='r')}"
        for relation, sign in sources
        for name, column, condition in COUNTED[table]
    )


def pg_add(changes: str, slot: str) -> str:
    return (
        f"INSERT INTO {TABLE} AS c (name, bucket, slot, value)"
        f" SELECT name, bucket, {slot}, SUM(delta) FROM ({changes}) AS changes"
        " GROUP BY name, bucket HAVING SUM(delta) <> 0 ORDER BY name, bucket"
        " ON CONFLICT (name, bucket, slot) DO UPDATE SET value = c.value + EXCLUDED.value"
    )


def pg_create(table: str) -> list[str]:
    slot = f"pg_backend_pid() % {SLOTS}"
    names = ", ".join(f"'{name}'" for name, _, _ in COUNTED[table])
    function = f"alerts_count_{table}"
    statements = [
        f"""CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {pg_add(pg_changes(table, [("new_rows", 1)]), slot)};
    ELSIF TG_OP = 'DELETE' THEN
        {pg_add(pg_changes(table, [("old_rows", -1)]), slot)};
    ELSIF TG_OP = 'UPDATE' THEN
        {pg_add(pg_changes(table, [("new_rows", 1), ("old_rows", -1)]), slot)};
    ELSE
        DELETE FROM {TABLE} WHERE name IN ({names});
    END IF;
    RETURN NULL;
END $$""",
        f"CREATE TRIGGER alerts_count_insert AFTER INSERT ON {table}"
        f" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER alerts_count_delete AFTER DELETE ON {table}"
        f" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER alerts_count_truncate AFTER TRUNCATE ON {table}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]
    if table in ROW_LEVEL_UPDATES:
        ((name, _column, condition),) = COUNTED[table]  # undated: the bucket never moves
        new, old = condition.format(r="NEW"), condition.format(r="OLD")
        change = (
            f"SELECT '{name}' AS name, {PG_UNDATED} AS bucket,"
            f" (CASE WHEN {new} THEN 1 ELSE 0 END) - (CASE WHEN {old} THEN 1 ELSE 0 END) AS delta"
        )
        statements += [
            f"""CREATE FUNCTION {function}_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {pg_add(change, slot)};
    RETURN NULL;
END $$""",
            f"CREATE TRIGGER alerts_count_update AFTER UPDATE ON {table} FOR EACH ROW"
            f" WHEN ({ROW_LEVEL_UPDATES[table]}) EXECUTE FUNCTION {function}_row()",
        ]
    else:
        statements.append(
            f"CREATE TRIGGER alerts_count_update AFTER UPDATE ON {table}"
            " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    return statements


def pg_drop(table: str) -> list[str]:
    function = f"alerts_count_{table}"
    return [
        *(
            f"DROP TRIGGER IF EXISTS alerts_count_{event} ON {table}"
            for event in ("insert", "delete", "update", "truncate")
        ),
        f"DROP FUNCTION IF EXISTS {function}_row()",
        f"DROP FUNCTION IF EXISTS {function}()",
    ]


# --- SQLite --------------------------------------------------------------------------------

SQLITE_UNDATED = "'2000-01-01 00:00:00'"


def sqlite_bucket(column: str | None, row: str) -> str:
    # Django stores datetimes as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC: keep the hour,
    # round the minutes down to the quarter, in the same text form.
    if column is None:
        return SQLITE_UNDATED
    value = f"{row}.{column}"
    return (
        f"substr({value}, 1, 14)"
        f" || printf('%02d', CAST(substr({value}, 15, 2) AS INTEGER) / 15 * 15) || ':00'"
    )


def sqlite_add(name: str, column: str | None, condition: str) -> str:
    return (
        f"INSERT INTO {TABLE} (name, bucket, slot, value)"
        f" SELECT '{name}', {sqlite_bucket(column, 'new')}, 0, 1"
        f" WHERE {condition.format(r='new')}"
        " ON CONFLICT (name, bucket, slot) DO UPDATE SET value = value + 1;"
    )


def sqlite_remove(name: str, column: str | None, condition: str) -> str:
    return (
        f"UPDATE {TABLE} SET value = value - 1 WHERE name = '{name}'"
        f" AND bucket = {sqlite_bucket(column, 'old')} AND slot = 0"
        f" AND {condition.format(r='old')};"
    )


def sqlite_create(table: str) -> list[str]:
    counted = COUNTED[table]
    columns = COUNTED_COLUMNS[table]
    changed = " OR ".join(f"old.{column} IS NOT new.{column}" for column in columns)
    adds = " ".join(sqlite_add(*count) for count in counted)
    removes = " ".join(sqlite_remove(*count) for count in counted)
    return [
        f"CREATE TRIGGER alerts_count_{table}_insert AFTER INSERT ON {table} BEGIN {adds} END",
        f"CREATE TRIGGER alerts_count_{table}_delete AFTER DELETE ON {table} BEGIN {removes} END",
        f"CREATE TRIGGER alerts_count_{table}_update AFTER UPDATE OF {', '.join(columns)}"
        f" ON {table} WHEN {changed} BEGIN {removes} {adds} END",
    ]


def sqlite_drop(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS alerts_count_{table}_{event}"
        for event in ("insert", "delete", "update")
    ]


# --- both ----------------------------------------------------------------------------------


def backfill(vendor: str, table: str) -> str:
    """The counts of the rows already there (slot 0)."""
    if vendor == "postgresql":
        return pg_add(pg_changes(table, [(table, 1)]), "0")
    return (
        f"INSERT INTO {TABLE} (name, bucket, slot, value)"
        " SELECT name, bucket, 0, COUNT(*) FROM ("
        + " UNION ALL ".join(
            f"SELECT '{name}' AS name, {sqlite_bucket(column, 'r')} AS bucket"
            f" FROM {table} r WHERE {condition.format(r='r')}"
            for name, column, condition in COUNTED[table]
        )
        + ") AS counted GROUP BY name, bucket"
    )


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in COUNTED:
        if vendor == "postgresql":
            statements = pg_create(table)
        elif vendor == "sqlite":
            statements = sqlite_create(table)
        else:
            raise NotImplementedError(f"No dashboard count triggers for {vendor}.")
        for statement in [*statements, backfill(vendor, table)]:
            schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in COUNTED:
        for statement in pg_drop(table) if vendor == "postgresql" else sqlite_drop(table):
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0004_urgency_index_condition"),
        ("catalog", "0006_product_search_candidates"),
    ]

    operations = [
        migrations.CreateModel(
            name="DashboardCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        choices=[
                            (
                                "alerts_raised",
                                "stock alerts raised (per quarter hour of raised_at)",
                            ),
                            ("alerts_unresolved", "unresolved stock alerts"),
                            ("deletions", "deletion records (per quarter hour of deleted_at)"),
                            ("products_out_of_stock", "products out of stock"),
                        ],
                        max_length=32,
                    ),
                ),
                ("bucket", models.DateTimeField()),
                ("slot", models.SmallIntegerField(default=0)),
                ("value", models.BigIntegerField(default=0)),
            ],
            options={
                "default_permissions": (),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("name", "bucket", "slot"), name="alerts_dashboardcount_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
