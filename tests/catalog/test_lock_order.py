"""Every path that locks several products locks them in pk order, so an import racing the
admin's actions and list edits over the same products never deadlocks, whatever the order
of its file (docs/architecture.md#the-stock-lock).

Needs real concurrent writers; SQLite serialises them, so these run on PostgreSQL.
"""

import threading
import time

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backoffice.kit.importing import engine
from backoffice.kit.importing.engine import file_import
from catalog import services
from catalog.importers import ProductImporter
from catalog.models import Product
from tests.catalog.importing import PRODUCT_HEADER, csv_bytes
from tests.catalog.test_ledger_concurrency import assert_chain
from tests.factories import ProductFactory
from tests.threads import CONCURRENT_WRITERS, THREADS, run_at_once

pytestmark = CONCURRENT_WRITERS

PRODUCTS = 24
ROUNDS = 12


@pytest.fixture
def slow_chunks(monkeypatch):
    """An import of four rows a chunk that takes a moment per chunk, as a large file does:
    its first chunks' rows stay locked while the other writers lock theirs."""
    monkeypatch.setattr(engine.Importer, "chunk_size", 4)
    original_write = ProductImporter.write

    def write_slowly(self, created, updated, fields):
        original_write(self, created, updated, fields)
        time.sleep(0.02)

    monkeypatch.setattr(ProductImporter, "write", write_slowly)


def import_backwards(products: list[Product], stock: int) -> None:
    """Every product, highest pk first: the file's order is the opposite of pk order."""
    lines = [PRODUCT_HEADER] + [
        f"{product.sku},{product.name},9.90,{stock + index},5,yes,"
        for index, product in enumerate(reversed(products))
    ]
    report = file_import(
        importer=ProductImporter(), data=csv_bytes(*lines), name="backwards.csv", dry_run=False
    )
    # A deadlock would show here as "The database refused the file".
    assert report.written, [str(error) for error in report.errors]


def list_edit_backwards(client: Client, products: list[Product], stock: int) -> None:
    """A list edit of these rows, posted highest pk first (a list sorted by stock, say)."""
    rows = list(reversed(products))
    data = {"form-TOTAL_FORMS": len(rows), "form-INITIAL_FORMS": len(rows), "_save": "Save"}
    for index, product in enumerate(rows):
        data[f"form-{index}-id"] = product.pk
        data[f"form-{index}-stock"] = stock + index
    response = client.post(reverse("admin:catalog_product_changelist"), data)
    assert response.status_code == 302, response.content[:500]


def test_import_racing_actions_and_list_edits_in_opposite_orders_never_deadlocks(slow_chunks):
    products = [ProductFactory(sku=f"LOCK-{n:02d}", stock=50) for n in range(PRODUCTS)]
    ids = [product.pk for product in products]
    admin = User.objects.create_superuser("lock-admin", "lock@example.com", "pw-lock-admin-1")
    done: list[str] = []
    for round_number in range(ROUNDS):

        def write(start: threading.Barrier, n: int, round_number: int = round_number) -> None:
            # Overlapping sets: the import takes all of them, each other writer a window
            # that starts somewhere in the middle and wraps around.
            offset = (round_number * 5 + n * 3) % PRODUCTS
            window = [ids[(offset + k) % PRODUCTS] for k in range(PRODUCTS // 2)]
            client = Client()
            client.force_login(admin)
            start.wait()
            if n == 0:
                import_backwards(products, stock=100 + 40 * round_number)
                done.append("import")
            elif n % 3 == 1:
                services.products_mark_out_of_stock(queryset=Product.objects.filter(pk__in=window))
                done.append("out of stock")
            elif n % 3 == 2:
                chosen = [p for p in products if p.pk in window]
                list_edit_backwards(client, chosen, stock=1000 + 100 * round_number + 10 * n)
                done.append("list edit")
            else:
                services.products_set_active(
                    queryset=Product.objects.filter(pk__in=window), is_active=bool(round_number % 2)
                )
                done.append("active")

        assert run_at_once(write) == [], f"round {round_number}"
    assert len(done) == ROUNDS * THREADS
    for product in products:
        assert_chain(product)  # and the invariant: no product out of balance


def test_a_list_edit_locks_its_rows_in_pk_order_before_saving_them_in_page_order():
    products = [ProductFactory(sku=f"PAGE-{n}", stock=5) for n in range(4)]
    admin = User.objects.create_superuser("page-admin", "page@example.com", "pw-page-admin-1")
    client = Client()
    client.force_login(admin)
    with CaptureQueriesContext(connection) as queries:
        list_edit_backwards(client, products, stock=60)
    statements = [query["sql"] for query in queries.captured_queries]
    first_update = next(n for n, sql in enumerate(statements) if sql.startswith("UPDATE"))
    lock = next(n for n, sql in enumerate(statements) if "FOR NO KEY UPDATE" in sql)
    assert lock < first_update
    assert f"IN ({', '.join(str(p.pk) for p in products)})" in statements[lock]
    assert "ORDER BY" in statements[lock]
    assert [p.stock for p in Product.objects.order_by("pk")] == [63, 62, 61, 60]
