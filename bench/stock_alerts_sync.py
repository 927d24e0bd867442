"""Benchmark the set-wise low-stock sync that bulk imports rely on (alerts.services).

    DATABASE_URL=sqlite:////tmp/bench_alerts.sqlite3 .venv/bin/python bench/stock_alerts_sync.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_alerts \\
        .venv/bin/python bench/stock_alerts_sync.py

Migrates an empty database, bulk-inserts --products products (10% low on stock, signals
bypassed as the fast import does), then times stock_alerts_sync_many(product_ids=...)
raising, re-running with nothing to do, after a bulk stock change, for a tenth of the ids
(its time should be about a tenth: the sync grows with the ids, not with the table), and
stock_alerts_sync_all (sync_stock_alerts); and, as the baseline, the per-product cost of
save() (which runs the post_save rule under the stock lock) against save() with the alerts
receiver disconnected. Prints seconds, query counts and ratios.
"""

import argparse
import sys
import time
from decimal import Decimal

from _django import setup


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--saves", type=int, default=2_000, help="products saved one by one")
    return parser.parse_args()


def timed(label: str, function, *args, **kwargs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = function(*args, **kwargs)
        seconds = time.perf_counter() - start
    print(f"{label:<48} {seconds:8.3f} s  {len(queries):6d} queries  {result}")
    return seconds


def main() -> int:
    options = parse_args()
    setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models.signals import post_save

    from alerts.models import StockAlert
    from alerts.services import stock_alerts_sync_all, stock_alerts_sync_many
    from catalog.models import Product

    call_command("migrate", verbosity=0)
    if Product.objects.exists():
        print("This database already holds products; use an empty one.", file=sys.stderr)
        return 1
    print(f"{connection.vendor}, {options.products} products, 10% low on stock")

    rows = (
        Product(
            sku=f"BENCH-{n:07d}",
            name=f"Bench product {n}",
            price=Decimal("9.90"),
            stock=2 if n % 10 == 0 else 50,
            low_stock_threshold=5,
        )
        for n in range(options.products)
    )
    Product.objects.bulk_create(rows, batch_size=2000)
    ids = list(Product.objects.values_list("pk", flat=True))

    def sync():
        with transaction.atomic():
            return stock_alerts_sync_many(product_ids=ids)

    timed("sync: raise alerts for the low 10%", sync)
    timed("sync again: nothing to change", sync)
    Product.objects.filter(pk__in=ids[1::20]).update(stock=1)  # were fine: raise
    Product.objects.filter(pk__in=ids[::20]).update(stock=0)  # were low: refresh
    Product.objects.filter(pk__in=ids[::30]).update(stock=80)
    all_ids = timed("sync after a bulk stock change", sync)

    few = ids[: len(ids) // 10]
    Product.objects.filter(pk__in=few[::10]).update(stock=80)
    Product.objects.filter(pk__in=few[1::10]).update(stock=1)

    def sync_few():
        with transaction.atomic():
            return stock_alerts_sync_many(product_ids=few)

    tenth = timed(f"sync {len(few)} listed ids (a tenth)", sync_few)
    print(f"a tenth of the ids took {tenth / all_ids:.2f} of the time of all of them")
    Product.objects.filter(pk__in=ids[2::20]).update(stock=3)
    timed("stock_alerts_sync_all (sync_stock_alerts)", stock_alerts_sync_all)
    print(f"unresolved alerts now: {StockAlert.objects.unresolved().count()}")

    products = list(Product.objects.order_by("pk")[: options.saves])

    def save_all(stock_of):
        with transaction.atomic():
            for n, product in enumerate(products):
                product.stock = stock_of(n)
                product.save(update_fields=["stock", "updated_at"])
        return f"{len(products)} saves"

    # Alternate low and fine stock so every save raises or resolves an alert.
    with_rule = timed("save() one by one, alert rule on", save_all, lambda n: (n % 2) * 50)
    post_save.disconnect(dispatch_uid="alerts.product_saved", sender=Product)
    without = timed("save() one by one, alert rule off", save_all, lambda n: (1 - n % 2) * 50)
    print(
        f"per save: {with_rule / len(products) * 1e6:.0f} µs with the rule, "
        f"{without / len(products) * 1e6:.0f} µs without (ratio {with_rule / without:.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
