"""The stock ledger bench's data (bench/ledger_bench.py): products and movements by COPY.

`size / per_product` products and `size` movements, `per_product` for every product, spread
over the last 30 days (a product's movements every `products`-th one, so they interleave
with everyone else's), a quarter of them by the bench user, reasons in turn; the tables'
secondary indexes dropped before and built after (as bench/seed_scale.py does), then VACUUM
ANALYZE. A marker table records the size.
"""

USERNAME = "ledger-bench"
REASONS = ["edited", "list_edit", "import", "action", "system"]
COPY_BLOCK = 100_000


def seed(*, movements: int, per_product: int) -> None:
    """Seed the database of DATABASE_URL (see the module's docstring)."""
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from seed_scale import _secondary_indexes_built_after

    call_command("migrate", verbosity=0)
    products = max(1, movements // per_product)
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE catalog_stockmovement, catalog_product RESTART IDENTITY CASCADE")
        user, _ = User.objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        stamp = now.isoformat()
        with _secondary_indexes_built_after("catalog_product"):
            copy_lines(
                cursor,
                "catalog_product (sku, name, description, price, stock, low_stock_threshold,"
                " is_active, created_at, updated_at)",
                (
                    f"LEDGER-{p:06d}\tLedger product {p}\t\t9.90\t50\t5\tt\t{stamp}\t{stamp}\n"
                    for p in range(1, products + 1)
                ),
            )
        start, step = now - timedelta(days=30), timedelta(days=30) / movements

        def line(n: int) -> str:
            p, delta = 1 + n % products, n % 7 - 3
            actor = (str(user.pk), USERNAME) if n % 4 == 0 else ("\\N", "")
            return (
                f"{p}\t{p}\tLEDGER-{p:06d}\t50\t{50 + delta}\t{delta}\t{REASONS[n % 5]}\t"
                f"{actor[0]}\t{actor[1]}\t{(start + n * step).isoformat()}\t\n"
            )

        with _secondary_indexes_built_after("catalog_stockmovement"):
            copy_lines(
                cursor,
                "catalog_stockmovement (product_id, product_pk, sku, stock_before, stock_after,"
                " delta, reason, actor_id, actor_username, created_at, note)",
                (line(n) for n in range(1, movements + 1)),
            )
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_ledger_marker (size text)")
        cursor.execute("DELETE FROM bench_ledger_marker")
        cursor.execute(
            "INSERT INTO bench_ledger_marker VALUES (%s)", [f"{movements}/{per_product}"]
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE catalog_product")
        cursor.execute("VACUUM ANALYZE catalog_stockmovement")


def copy_lines(cursor, target: str, lines) -> None:
    """COPY target FROM STDIN, fed with text-format lines in blocks (psycopg's copy API)."""
    with cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
        block: list[str] = []
        for text in lines:
            block.append(text)
            if len(block) == COPY_BLOCK:
                copy.write("".join(block))
                block = []
        if block:
            copy.write("".join(block))


def marker() -> str | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_ledger_marker') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT size FROM bench_ledger_marker")
        row = cursor.fetchone()
    return row[0] if row else None
