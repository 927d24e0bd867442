"""Concurrent writers and one low-stock product: the partial unique index keeps one alert.

Needs a database with real concurrent writers; SQLite serialises them, so these run on
PostgreSQL (.ci/run runs the suite there too).
"""

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from alerts import services
from alerts.models import StockAlert
from catalog.models import Product
from tests.factories import ProductFactory

THREADS = 8

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent writers; SQLite serialises them (runs on PostgreSQL in CI)",
    ),
]


def run_at_once(work: Callable[[threading.Barrier, int], None]) -> list[BaseException]:
    """Run work in THREADS threads that start together; return what they raised."""
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def thread_main(n: int) -> None:
        try:
            work(start, n)
        except BaseException as error:  # any error at all fails the test
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=thread_main, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_threads_saving_the_same_low_product_leave_one_alert_and_no_error():
    product = ProductFactory(stock=50, low_stock_threshold=5)
    for _round in range(5):

        def save_low(start: threading.Barrier, n: int) -> None:
            instance = Product.objects.get(pk=product.pk)
            instance.stock = n % 4
            start.wait()
            instance.save()  # autocommit, as in the shell or a script

        assert run_at_once(save_low) == []
        assert StockAlert.objects.unresolved().filter(product=product).count() == 1
        product.stock = 50
        product.save()  # resolve, so the next round raises again
    assert StockAlert.objects.filter(product=product).count() == 5


def test_overlapping_transactions_raising_the_same_alert_do_not_fail():
    # Deterministic version: every thread sees no alert, inserts one, and keeps its
    # transaction open for a moment, so the inserts really collide on the unique index.
    [product] = Product.objects.bulk_create(
        [Product(sku="RACE-1", name="Race", price=1, stock=1, low_stock_threshold=5)]
    )

    def raise_alert(start: threading.Barrier, n: int) -> None:
        with transaction.atomic():
            instance = Product.objects.get(pk=product.pk)
            start.wait()
            services.stock_alert_sync(product=instance)
            time.sleep(0.2)

    assert run_at_once(raise_alert) == []
    assert StockAlert.objects.filter(product=product).count() == 1
