"""Indexes for the admin's product search read through catalog/search.py.

SQLite: SKU prefixes become a range of an index on sku COLLATE NOCASE (SQLite's LIKE
optimisation), and names get an FTS5 trigram index (external content, kept in step by
triggers), so a search sorts its few candidates instead of walking the SKU index through
the table (100k products, "TEA-00": ~80 ms -> ~6 ms for count and page). The (sku, name)
index of 0004 stays there only, for terms shorter than a trigram.

PostgreSQL: the page is read in SKU order from a lower bound (catalog/search.py); with the
(sku, name) index the planner also counted from that bound through the index (an early
bound made the count 10x slower than the BitmapOr of 0005's indexes), so it goes there.
"""

from django.db import migrations

SKU_NAME_INDEX = (
    'CREATE INDEX IF NOT EXISTS "catalog_product_skuname_idx" ON "catalog_product" ("sku", "name")'
)
SQLITE_CREATE = [
    SKU_NAME_INDEX,
    'CREATE INDEX "catalog_product_sku_nocase_idx" ON "catalog_product" ("sku" COLLATE NOCASE)',
    "CREATE VIRTUAL TABLE catalog_product_name_fts USING fts5("
    "name, content='catalog_product', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER catalog_product_name_fts_insert AFTER INSERT ON catalog_product BEGIN"
    " INSERT INTO catalog_product_name_fts(rowid, name) VALUES (new.id, new.name); END",
    "CREATE TRIGGER catalog_product_name_fts_delete AFTER DELETE ON catalog_product BEGIN"
    " INSERT INTO catalog_product_name_fts(catalog_product_name_fts, rowid, name)"
    " VALUES ('delete', old.id, old.name); END",
    "CREATE TRIGGER catalog_product_name_fts_update AFTER UPDATE OF id, name ON catalog_product"
    " WHEN new.id IS NOT old.id OR new.name IS NOT old.name BEGIN"
    " INSERT INTO catalog_product_name_fts(catalog_product_name_fts, rowid, name)"
    " VALUES ('delete', old.id, old.name);"
    " INSERT INTO catalog_product_name_fts(rowid, name) VALUES (new.id, new.name); END",
    "INSERT INTO catalog_product_name_fts(catalog_product_name_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS catalog_product_name_fts_update",
    "DROP TRIGGER IF EXISTS catalog_product_name_fts_delete",
    "DROP TRIGGER IF EXISTS catalog_product_name_fts_insert",
    "DROP TABLE IF EXISTS catalog_product_name_fts",
    'DROP INDEX IF EXISTS "catalog_product_sku_nocase_idx"',
    'DROP INDEX IF EXISTS "catalog_product_skuname_idx"',
]


def create_sqlite_search(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def drop_sqlite_search(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_product_search_trigram_indexes")]

    operations = [
        migrations.RemoveIndex(model_name="product", name="catalog_product_skuname_idx"),
        migrations.RunPython(create_sqlite_search, drop_sqlite_search, elidable=False),
    ]
