"""The stock ledger starts balanced: every existing product gets an `opening` movement
(0 → its stock), so per product the deltas add up to the stock from the first day
(docs/architecture.md#the-stock-ledger). One INSERT ... SELECT, whatever the table's size.
The role groups get the view permission of stock movements in
backoffice/migrations/0002 (the catalog does not import the accounts app).
"""

from django.db import migrations
from django.utils import timezone


def open_the_ledger(apps, schema_editor):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    StockMovement = apps.get_model("catalog", "StockMovement")
    Product = apps.get_model("catalog", "Product")
    now = StockMovement._meta.get_field("created_at").get_db_prep_save(
        timezone.now(), connection
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(StockMovement._meta.db_table)} (product_id, product_pk, sku,"
            " stock_before, stock_after, delta, reason, actor_id, actor_username, created_at,"
            " note)"
            " SELECT id, id, sku, 0, stock, stock, 'opening', NULL, '', %s, %s"
            f" FROM {quote(Product._meta.db_table)} ORDER BY id",
            [now, "Stock when the ledger started"],
        )


def close_the_ledger(apps, schema_editor):
    apps.get_model("catalog", "StockMovement").objects.using(
        schema_editor.connection.alias
    ).filter(reason="opening").delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_stock_movements")]

    operations = [
        migrations.RunPython(open_the_ledger, close_the_ledger),
    ]
