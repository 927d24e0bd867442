"""Seed a large data set fast for the page and load benchmarks (COPY on PostgreSQL).

    DATABASE_URL=sqlite:////tmp/bench_large.sqlite3 .venv/bin/python bench/seed_scale.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bo_perf_large .venv/bin/python \\
        bench/seed_scale.py --products 1000000 --alerts 1000000 --deletions 200000 --reuse

Migrates first, then writes 100k products (about 10% low on stock, 2% out of stock), 100k
stock alerts across all statuses (one unresolved alert per low product, the rest resolved),
20k deletion records, 5k articles and 1k users (the options change the sizes). Refuses a
database that already holds products unless --flush is given; with --reuse it keeps a
database this script seeded with the same sizes and seed (the BENCH_MARKER table says
which), and empties and seeds any other. Deterministic: the same --seed gives the same rows,
with dates relative to the time of the run.

SQLite gets executemany in batches. PostgreSQL gets one COPY per table (psycopg's copy
API) into a table whose secondary indexes are dropped first and built again after the load
(building an index once is far cheaper than a million index insertions, the trigram one
above all); triggers stay on, so whatever they maintain is maintained as for any insert.
"""

import argparse
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

from _django import setup

PREFIXES = ["COF", "TEA", "BRW", "GRD", "CUP", "ACC", "GFT", "SUB"]
WORDS = [
    "espresso", "filter", "organic", "single origin", "decaf", "house blend", "ceramic",
    "glass", "steel", "travel", "gift", "starter", "refill", "premium", "classic", "mini",
]  # fmt: skip
THRESHOLDS = [3, 5, 5, 10, 15]
BATCH_SIZE = 2000
BENCH_PASSWORD = "backoffice-bench"
# Back-office staff who write articles, acknowledge alerts and delete things: a few dozen
# accounts, not every user (the admin's "by author" / "deleted by" filters list them all).
STAFF_ACCOUNTS = 20


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--deletions", type=int, default=20_000)
    parser.add_argument("--articles", type=int, default=5_000)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--flush", action="store_true", help="empty the database first")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database when it was seeded with these sizes, else empty and seed it",
    )
    return parser.parse_args()


def marker_read() -> dict | None:
    """The sizes and seed the database was seeded with, None when unknown."""
    from django.db import connection

    if BENCH_MARKER not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(SIZES)} FROM {BENCH_MARKER}")
        rows = cursor.fetchall()
    return dict(zip(SIZES, rows[0], strict=True)) if len(rows) == 1 else None


def marker_write(sizes: dict | None) -> None:
    """Record the sizes and seed (None: forget them, before the database is emptied)."""
    from django.db import connection

    with connection.cursor() as cursor:
        columns = ", ".join(f"{name} bigint NOT NULL" for name in SIZES)
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {BENCH_MARKER} ({columns})")
        cursor.execute(f"DELETE FROM {BENCH_MARKER}")
        if sizes is not None:
            cursor.execute(
                f"INSERT INTO {BENCH_MARKER} ({', '.join(SIZES)})"
                f" VALUES ({', '.join(['%s'] * len(SIZES))})",
                [sizes[name] for name in SIZES],
            )


# Which sizes and seed a database was seeded with: --reuse keeps it when they are the asked
# ones. Not a model: the project never sees it, and flush leaves it alone (it is rewritten
# after every seed, and deleted before one).
BENCH_MARKER = "bench_seed_marker"
SIZES = ("products", "alerts", "deletions", "articles", "users", "seed")


def insert(model, objects: Iterator) -> int:
    """Insert unsaved instances in batches, never all in memory at once: COPY on PostgreSQL,
    executemany elsewhere.

    bulk_create would compile a multi-row INSERT per batch (on SQLite ~100 rows, the
    bound-parameter limit), which costs more than the database work. Values go through each
    field's get_db_prep_save, as bulk_create does; pre_save hooks (auto_now) are skipped on
    purpose: the seeder sets every timestamp itself.
    """
    from django.db import connection

    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    if connection.vendor == "postgresql":
        return _copy(model, fields, objects)
    count = 0
    with connection.cursor() as cursor:
        for batch in _batches(objects):
            cursor.executemany(
                sql,
                [_values(obj, fields, connection) for obj in batch],
            )
            count += len(batch)
    return count


def _copy(model, fields, objects: Iterator) -> int:
    """COPY ... FROM STDIN through psycopg, the table's secondary indexes built afterwards."""
    from django.db import connection

    quote = connection.ops.quote_name
    sql = "COPY {} ({}) FROM STDIN".format(
        quote(model._meta.db_table), ", ".join(quote(field.column) for field in fields)
    )
    count = 0
    # Django's cursor wraps psycopg's, whose copy() streams the rows.
    with (
        _secondary_indexes_built_after(model._meta.db_table),
        connection.cursor() as cursor,
        cursor.cursor.copy(sql) as copy,
    ):
        for obj in objects:
            copy.write_row(_values(obj, fields, connection))
            count += 1
    return count


@contextmanager
def _secondary_indexes_built_after(table: str):
    """Drop the table's indexes that back no constraint; create them again on exit."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s"
            " AND i.schemaname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
            " WHERE c.conname = i.indexname AND c.conrelid = %s::regclass)",
            [table, connection.ops.quote_name(table)],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        # Foreign keys are checked at commit (Django's are deferred); an index cannot be
        # built over rows with checks pending, so they run now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)


def _values(obj, fields, connection) -> list:
    return [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields]


def _batches(objects: Iterator) -> Iterator[list]:
    batch = []
    for obj in objects:
        batch.append(obj)
        if len(batch) == BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


class Seeder:
    def __init__(self, *, rng: random.Random, now) -> None:
        self.rng = rng
        self.now = now

    def ago(self, *, max_days: int) -> "timedelta":
        return self.now - timedelta(seconds=self.rng.randint(0, max_days * 86_400))

    def users(self, count: int) -> list[int]:
        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import Group, User

        # One hash for all: hashing 1k passwords would take minutes and prove nothing.
        password = make_password(BENCH_PASSWORD)
        insert(
            User,
            (
                User(
                    username=f"bench-user-{number:04d}",
                    email=f"bench-user-{number:04d}@shop.example",
                    first_name=self.rng.choice(["Ada", "Ben", "Cleo", "Dev", "Eli", "Fay"]),
                    last_name=f"Bench{number:04d}",
                    password=password,
                    is_staff=number < STAFF_ACCOUNTS,
                    date_joined=self.ago(max_days=720),
                )
                for number in range(count)
            ),
        )
        user_ids = list(
            User.objects.filter(username__startswith="bench-user-")
            .order_by("username")
            .values_list("pk", flat=True)
        )
        groups = list(Group.objects.all())
        if groups:
            membership = User.groups.through
            insert(
                membership,
                (
                    membership(user_id=user_id, group_id=groups[index % len(groups)].pk)
                    for index, user_id in enumerate(user_ids[:STAFF_ACCOUNTS])
                ),
            )
        return user_ids

    def product(self, index: int):
        from catalog.models import Product

        threshold = THRESHOLDS[index % len(THRESHOLDS)]
        roll = self.rng.random()
        if roll < 0.02:
            stock = 0
        elif roll < 0.10:
            stock = self.rng.randint(1, threshold - 1)
        else:
            stock = self.rng.randint(threshold, threshold + 400)
        created = self.ago(max_days=720)
        return Product(
            sku=f"{PREFIXES[index % len(PREFIXES)]}-{index // len(PREFIXES):06d}",
            name=f"{self.rng.choice(WORDS).capitalize()} {self.rng.choice(WORDS)} {index}",
            description="Seeded for the scale benchmark.",
            price=Decimal(self.rng.randint(100, 50_000)) / 100,
            stock=stock,
            low_stock_threshold=threshold,
            is_active=self.rng.random() > 0.05,
            created_at=created,
            updated_at=created + timedelta(days=self.rng.randint(0, 30)),
        )

    def articles(self, count: int, *, staff_ids: list[int]) -> int:
        from catalog.models import Article

        def article(number: int) -> Article:
            published = self.rng.random() < 0.6
            created = self.ago(max_days=720)
            return Article(
                title=f"Bench article {number}: {self.rng.choice(WORDS)}",
                slug=f"bench-article-{number}",
                body="Seeded for the scale benchmark.\n" * 5,
                status=Article.Status.PUBLISHED if published else Article.Status.DRAFT,
                author_id=self.rng.choice(staff_ids),
                published_at=created + timedelta(days=1) if published else None,
                created_at=created,
                updated_at=created + timedelta(days=self.rng.randint(1, 60)),
            )

        return insert(Article, (article(number) for number in range(count)))

    def stock_alerts(self, count: int, *, staff_ids: list[int]) -> int:
        from alerts.models import StockAlert
        from catalog.models import Product

        Status = StockAlert.Status
        low = list(
            Product.objects.low_on_stock().values_list(
                "pk", "sku", "name", "stock", "low_stock_threshold"
            )
        )
        all_products = list(Product.objects.values_list("pk", "sku", "name", "low_stock_threshold"))

        def unresolved(row) -> StockAlert:
            pk, sku, name, stock, threshold = row
            raised = self.ago(max_days=60)
            acknowledged = self.rng.random() < 0.3
            return StockAlert(
                product_id=pk,
                sku=sku,
                product_name=name,
                stock=stock,
                threshold=threshold,
                status=Status.ACKNOWLEDGED if acknowledged else Status.OPEN,
                raised_at=raised,
                # Never after the run: an alert raised an hour ago was not handled tomorrow.
                acknowledged_at=min(raised + timedelta(hours=2), self.now)
                if acknowledged
                else None,
                acknowledged_by_id=self.rng.choice(staff_ids) if acknowledged else None,
            )

        def resolved(_number: int) -> StockAlert:
            pk, sku, name, threshold = self.rng.choice(all_products)
            raised = self.ago(max_days=365)
            return StockAlert(
                product_id=pk,
                sku=sku,
                product_name=name,
                stock=self.rng.randint(0, max(threshold - 1, 0)),
                threshold=threshold,
                status=Status.RESOLVED,
                raised_at=raised,
                resolved_at=min(raised + timedelta(hours=self.rng.randint(1, 240)), self.now),
            )

        open_rows = low[:count]
        written = insert(StockAlert, (unresolved(row) for row in open_rows))
        return written + insert(
            StockAlert, (resolved(number) for number in range(count - len(open_rows)))
        )

    def deletion_records(self, count: int, *, staff_ids: list[int]) -> int:
        from django.contrib.auth.models import User
        from django.contrib.contenttypes.models import ContentType

        from alerts.models import DeletionRecord
        from catalog.models import Article, Product

        content_types = ContentType.objects.get_for_models(Product, Article, User)
        usernames = dict(User.objects.filter(pk__in=staff_ids).values_list("pk", "username"))
        kinds = list(content_types.items())

        def record(number: int) -> DeletionRecord:
            model, content_type = kinds[number % len(kinds)]
            deleted_by = self.rng.choice(staff_ids) if self.rng.random() < 0.9 else None
            deleted_at = self.ago(max_days=90)
            # Primary keys far above the seeded ranges: these objects are really gone.
            object_pk = str(10_000_000 + number)
            restored = self.rng.random() < 0.05
            return DeletionRecord(
                content_type=content_type,
                object_pk=object_pk,
                object_repr=f"Deleted {model._meta.model_name} {number}",
                snapshot={
                    "model": model._meta.label_lower,
                    "pk": int(object_pk),
                    "fields": {"name": f"Deleted {number}"},
                },
                deleted_by_id=deleted_by,
                deleted_by_username=usernames.get(deleted_by, ""),
                deleted_at=deleted_at,
                restored_at=deleted_at + timedelta(hours=1) if restored else None,
                restored_by_id=deleted_by if restored else None,
            )

        return insert(DeletionRecord, (record(number) for number in range(count)))


def main() -> int:
    args = parse_args()
    setup()

    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from catalog.models import Product
    from catalog.search import product_name_index_bulk_writes

    call_command("migrate", verbosity=0, interactive=False)
    sizes = {name: getattr(args, name) for name in SIZES}
    if args.reuse and marker_read() == sizes:
        print(f"Reused: {connection.vendor} was seeded with {sizes} already.")
        return 0
    if Product.objects.exists():
        if not (args.flush or args.reuse):
            print("The database already holds products; pass --flush to empty it first.")
            return 2
        marker_write(None)
        call_command("flush", verbosity=0, interactive=False)

    seeder = Seeder(rng=random.Random(args.seed), now=timezone.now())
    alerts_ready = apps.is_installed("alerts") and "stockalert" in apps.all_models["alerts"]

    started = time.perf_counter()
    timings = []

    def step(label: str, function, *args, **kwargs):
        began = time.perf_counter()
        result = function(*args, **kwargs)
        count = result if isinstance(result, int) else len(result)
        timings.append((label, count, time.perf_counter() - began))
        return result

    with transaction.atomic():
        staff_ids = step("users", seeder.users, args.users)[:STAFF_ACCOUNTS]
        # SQLite's name index, filled in one statement as an import does (its row triggers
        # would cost more than the inserts). The table was empty: every product is new.
        with product_name_index_bulk_writes() as name_index:
            step("products", insert, Product, (seeder.product(i) for i in range(args.products)))
            name_index.inserted(Product.objects.values_list("pk", flat=True))
        step("articles", seeder.articles, args.articles, staff_ids=staff_ids)
        if alerts_ready:
            step("stock alerts", seeder.stock_alerts, args.alerts, staff_ids=staff_ids)
            step("deletion records", seeder.deletion_records, args.deletions, staff_ids=staff_ids)
    # Fresh statistics and visibility map, as autovacuum (PostgreSQL) or PRAGMA optimize
    # (SQLite) keep them on a database in use; without them no index-only scans.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    marker_write(sizes)

    for label, count, seconds in timings:
        print(f"  {label:<17} {count:>8,} rows  {seconds:6.1f} s")
    if not alerts_ready:
        print("  (alerts models not installed yet: stock alerts and deletion records skipped)")
    low = Product.objects.low_on_stock().count()
    out = Product.objects.out_of_stock().count()
    total = Product.objects.count()
    print(
        f"Seeded {connection.vendor} in {time.perf_counter() - started:.1f} s: "
        f"{total:,} products, {low:,} low ({low / max(total, 1):.0%}), "
        f"{out:,} out of stock ({out / max(total, 1):.0%})."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
