"""Concurrent writers of one product's stock leave an unbroken chain: each movement's
stock_before is the previous one's stock_after, and the deltas add up to the stock.

Needs real concurrent writers; SQLite serialises them, so these run on PostgreSQL.
"""

import itertools
import threading

from django.db import transaction

from backoffice.kit.importing.engine import file_import
from catalog import services
from catalog.importers import ProductImporter
from catalog.ledger import products_out_of_balance
from catalog.models import Product, StockMovement
from tests.catalog.importing import PRODUCT_HEADER, csv_bytes
from tests.factories import ProductFactory
from tests.threads import CONCURRENT_WRITERS, THREADS, run_at_once

pytestmark = CONCURRENT_WRITERS


def assert_chain(product: Product) -> None:
    history = list(
        StockMovement.objects.filter(product_pk=product.pk)
        .order_by("id")
        .values_list("stock_before", "stock_after")
    )
    for (_before, previous_after), (before, _after) in itertools.pairwise(history):
        assert before == previous_after, history
    product.refresh_from_db()
    assert history[-1][1] == product.stock
    assert not products_out_of_balance().exists()


def test_concurrent_autocommit_saves_of_stale_instances_chain():
    product = ProductFactory(stock=100)
    for round_number in range(4):
        # Values unique across rounds and threads: every save changes the committed stock, so
        # each writes exactly one movement (a save that leaves the stock as it is writes none).
        def save(start: threading.Barrier, n: int, base: int = 100 * (round_number + 1)) -> None:
            instance = Product.objects.get(pk=product.pk)  # every thread reads the same stock
            instance.stock = base + 10 * n + 1
            start.wait()
            instance.save()  # autocommit, as in the shell

        assert run_at_once(save) == []
    assert StockMovement.objects.filter(product_pk=product.pk).count() == 1 + 4 * THREADS
    assert_chain(product)


def test_saves_in_transactions_racing_the_out_of_stock_action_chain():
    products = [ProductFactory(stock=40) for _ in range(3)]
    ids = [p.pk for p in products]

    def write(start: threading.Barrier, n: int) -> None:
        start.wait()
        for step in range(5):
            if n % 2:
                with transaction.atomic():
                    services.products_mark_out_of_stock(queryset=Product.objects.filter(pk__in=ids))
            else:
                with transaction.atomic():
                    instance = Product.objects.get(pk=ids[(n + step) % 3])
                    instance.stock = n + step + 1
                    instance.save()

    assert run_at_once(write) == []
    for product in products:
        assert_chain(product)


def test_imports_racing_saves_chain():
    products = [ProductFactory(sku=f"RACE-{n}", stock=40) for n in range(3)]

    def write(start: threading.Barrier, n: int) -> None:
        start.wait()
        for step in range(3):
            if n % 2:
                lines = [PRODUCT_HEADER] + [
                    f"{p.sku},{p.name},9.90,{n * 10 + step + index},5,yes,"
                    for index, p in enumerate(products)
                ]
                report = file_import(
                    importer=ProductImporter(),
                    data=csv_bytes(*lines),
                    name=f"thread-{n}.csv",
                    dry_run=False,
                )
                assert not report.has_errors, report.errors
            else:
                instance = Product.objects.get(pk=products[(n + step) % 3].pk)
                instance.stock = n + step + 100
                instance.save()

    assert run_at_once(write) == []
    for product in products:
        assert_chain(product)
    assert StockMovement.objects.filter(reason=StockMovement.Reason.IMPORT).exists()
