"""SKUs unique regardless of letter case: a unique index on UPPER(sku), on both databases.

The index cannot be built over SKUs that already differ only in case; the check before it
refuses to run over them and lists them, so staff can rename or merge them and migrate
again. The search indexes of 0004-0006 stay as they are (prefix search reads them).
"""

from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Upper

LISTED_AT_MOST = 100


class CaseDuplicateSkus(Exception):
    """Products whose SKUs differ only in letter case."""


def refuse_case_duplicates(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    products = Product.objects.using(schema_editor.connection.alias)
    keys = list(
        products.annotate(sku_key=Upper("sku"))
        .values("sku_key")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
        .order_by("sku_key")
        .values_list("sku_key", flat=True)
    )
    if not keys:
        return
    lines = []
    for key in keys[:LISTED_AT_MOST]:
        clash = products.annotate(sku_key=Upper("sku")).filter(sku_key=key).order_by("pk")
        lines.append(", ".join(f"{sku} (id {pk})" for pk, sku in clash.values_list("pk", "sku")))
    if len(keys) > LISTED_AT_MOST:
        lines.append(f"… and {len(keys) - LISTED_AT_MOST} more groups.")
    raise CaseDuplicateSkus(
        f"{len(keys)} SKU(s) are used by several products in different letter case; SKUs "
        "must be unique regardless of case. Rename or merge these products, then migrate "
        "again:\n  " + "\n  ".join(lines)
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_product_search_candidates")]

    operations = [
        migrations.RunPython(refuse_case_duplicates, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="product",
            constraint=models.UniqueConstraint(
                Upper("sku"),
                name="catalog_product_sku_upper_uniq",
                violation_error_message=(
                    "A product with this SKU in other letter case already exists: "
                    "SKUs are unique regardless of case."
                ),
            ),
        ),
    ]
