"""The stock ledger's pages at a small and a large ledger: same queries, time within 1.3x.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bo_ledger_bench \\
        .venv/bin/python bench/ledger_bench.py --products 10000 --sizes 10000,10000000

For each size, in one database: migrate, empty the catalog, write --products products, then
that many stock movements spread over them and over the last 30 days (one INSERT ... SELECT
over generate_series on PostgreSQL, the table's secondary indexes dropped first and built
after, as bench/seed_scale.py does for COPY; ANALYZE after). Then render, through the test
client as a superuser, the Stock movements list (unfiltered, by reason, by product, by
user, last 7 days, a SKU search) and one product's change page with its Stock history,
--runs times each; prints median, p95, database time, query count per page and size, and
the ratio large/small with a verdict (median <= 1.3x and the same number of queries).
"""

import argparse
import statistics
import sys
import time

from _django import calibration, collect_static, setup

PAGES = [
    ("movements", ""),
    ("movements by reason", "?reason__exact=list_edit"),
    ("movements by product", "?product={product}"),
    ("movements by user", "?actor__id__exact={user}"),
    ("movements last 7 days", "?created_at__gte={week_ago}"),
    ("movements SKU search", "?q=LEDGER-{product:06d}"),
    ("product page", "PRODUCT"),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--sizes", default="10000,10000000")
    parser.add_argument("--runs", type=int, default=15)
    return parser.parse_args()


def seed(*, products: int, movements: int) -> float:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection, transaction
    from seed_scale import _secondary_indexes_built_after

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE catalog_stockmovement, catalog_product RESTART IDENTITY CASCADE")
    User.objects.get_or_create(
        username="ledger-bench", defaults={"is_staff": True, "is_superuser": True}
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO catalog_product (sku, name, description, price, stock,"
            " low_stock_threshold, is_active, created_at, updated_at)"
            " SELECT 'LEDGER-' || lpad(n::text, 6, '0'), 'Ledger product ' || n, '', 9.90,"
            " 50, 5, true, now(), now() FROM generate_series(1, %s) n",
            [products],
        )
        with _secondary_indexes_built_after("catalog_stockmovement"):
            # Each movement i belongs to product (i mod products) + 1, one minute apart
            # backwards from now (newest last), a quarter of them by the bench user.
            cursor.execute(
                "INSERT INTO catalog_stockmovement (product_id, product_pk, sku, stock_before,"
                " stock_after, delta, reason, actor_id, actor_username, created_at, note)"
                " SELECT p, p, 'LEDGER-' || lpad(p::text, 6, '0'), 50, 50 + d, d,"
                " (ARRAY['edited','list_edit','import','action','system'])[1 + n %% 5],"
                " CASE WHEN n %% 4 = 0 THEN u.id END,"
                " CASE WHEN n %% 4 = 0 THEN 'ledger-bench' ELSE '' END,"
                " now() - make_interval(secs => (%s - n) * 30 * 86400.0 / %s), ''"
                " FROM generate_series(1, %s) n,"
                " LATERAL (SELECT 1 + n %% %s AS p, (n %% 7) - 3 AS d) x,"
                " (SELECT id FROM auth_user WHERE username = 'ledger-bench') u",
                [movements, movements, movements, products],
            )
        cursor.execute("ANALYZE catalog_stockmovement")
        cursor.execute("ANALYZE catalog_product")
    return time.perf_counter() - started


def measure(runs: int, products: int) -> dict:
    from datetime import timedelta
    from urllib.parse import quote

    from _django import two_factor_login
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    user = User.objects.get(username="ledger-bench")
    client = Client()
    two_factor_login(client, user)
    product = products // 2
    # As DateFieldListFilter writes it: an aware midnight, URL-quoted.
    week_ago = quote(
        str(
            timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
            - timedelta(days=7)
        )
    )
    listing = reverse("admin:catalog_stockmovement_changelist")
    results = {}
    for label, query in PAGES:
        if query == "PRODUCT":
            url = reverse("admin:catalog_product_change", args=[product])
        else:
            url = listing + query.format(product=product, user=user.pk, week_ago=week_ago)
        times, db_times, counts = [], [], []
        for run in range(runs + 1):
            durations: list[float] = []

            def timed(execute, sql, params, many, context, durations=durations):
                started = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    durations.append(time.perf_counter() - started)

            started = time.perf_counter()
            with connection.execute_wrapper(timed):
                response = client.get(url, secure=True)
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"{label}: {url} answered {response.status_code}")
            if run:  # the first run warms caches
                times.append(elapsed)
                db_times.append(sum(durations))
                counts.append(len(durations))
        results[label] = {
            "median": statistics.median(times) * 1000,
            "p95": sorted(times)[int(0.95 * (len(times) - 1))] * 1000,
            "db": statistics.median(db_times) * 1000,
            "queries": max(counts),
        }
    return results


def main() -> int:
    args = parse_args()
    collect_static()
    setup()
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    sizes = [int(size) for size in args.sizes.split(",")]
    print(calibration())
    measured = {}
    for size in sizes:
        seconds = seed(products=args.products, movements=size)
        print(f"seeded {size:,} movements over {args.products:,} products in {seconds:.0f} s")
        measured[size] = measure(args.runs, args.products)
    small, large = measured[sizes[0]], measured[sizes[-1]]
    print(f"\n{'page':24} {'size':>11} {'median ms':>10} {'p95 ms':>8} {'db ms':>7} {'queries':>8}")
    for label, _query in PAGES:
        for size in sizes:
            row = measured[size][label]
            print(
                f"{label:24} {size:11,} {row['median']:10.1f} {row['p95']:8.1f}"
                f" {row['db']:7.1f} {row['queries']:8d}"
            )
    print()
    failed = False
    for label, _query in PAGES:
        ratio = large[label]["median"] / small[label]["median"]
        same = large[label]["queries"] == small[label]["queries"]
        ok = ratio <= 1.3 and same
        failed |= not ok
        print(
            f"{label:24} large/small median {ratio:5.2f}x, queries"
            f" {'same' if same else 'DIFFER'}: {'ok' if ok else 'NOT MET'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
