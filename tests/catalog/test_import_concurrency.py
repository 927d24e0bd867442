"""Two confirms touching the same products at once: one waits for the other, no deadlock,
and a database's own error text never reaches the user (issue 12.8).

Needs real concurrent writers: PostgreSQL (SQLite runs one writing transaction at a time).
"""

import contextlib
import threading

import pytest
from django.db import connection, transaction

from backoffice.kit.db import transaction_lock_try
from backoffice.kit.importing import engine
from backoffice.kit.importing.engine import file_import
from backoffice.kit.importing.report import ImportReport
from catalog.importers import ProductImporter
from catalog.models import Product
from tests.catalog.importing import csv_bytes
from tests.factories import ProductFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent writers; SQLite serialises them (runs on PostgreSQL in CI)",
    ),
]

SKUS = [f"P-{n}" for n in range(6)]
BUSY = "Another import of products is running, try again in a moment."


def confirm_file(content: bytes) -> ImportReport:
    return file_import(importer=ProductImporter(), data=content, name="f.csv", dry_run=False)


def in_threads(*works) -> list:
    results: list = [None] * len(works)

    def run(index: int, work) -> None:
        try:
            results[index] = work()
        except BaseException as error:  # any error fails the test below
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, work)) for n, work in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_imports_updating_the_same_rows_in_opposite_orders_both_finish(monkeypatch):
    for sku in SKUS:
        ProductFactory(sku=sku, name=sku, price=1, stock=1)
    forward = csv_bytes("sku,name,price,stock", *[f"{sku},{sku},1,100" for sku in SKUS])
    backward = csv_bytes("sku,name,price,stock", *[f"{sku},{sku},1,200" for sku in SKUS[::-1]])
    # Three rows per chunk, and each import pauses after writing its first chunk until the
    # other has written its own: without serialising, each then waits for the other's rows.
    monkeypatch.setattr(engine.Importer, "chunk_size", 3)
    both_wrote = threading.Barrier(2)
    original_write = ProductImporter.write

    def write_then_wait(self, created, updated, fields):
        original_write(self, created, updated, fields)
        if not getattr(self, "_waited", False):
            self._waited = True
            # BrokenBarrierError: the other import is waiting for the lock: go on.
            with contextlib.suppress(threading.BrokenBarrierError):
                both_wrote.wait(timeout=2)

    monkeypatch.setattr(ProductImporter, "write", write_then_wait)
    for _round in range(3):
        both_wrote.reset()
        reports = in_threads(lambda: confirm_file(forward), lambda: confirm_file(backward))

        for report in reports:
            assert isinstance(report, ImportReport), report
            text = " ".join(str(error) for error in report.errors)
            assert "deadlock" not in text.lower(), text
            assert "process" not in text.lower(), text
            assert not report.has_errors, text
        # The later import wins on every row: no mix of the two files.
        assert len(set(Product.objects.values_list("stock", flat=True))) == 1


def test_an_import_that_cannot_get_its_turn_says_so_and_writes_nothing(monkeypatch):
    ProductFactory(sku="P-0", name="P-0", price=1, stock=1)
    monkeypatch.setattr(ProductImporter, "lock_wait_seconds", 0.3)
    holding, release = threading.Event(), threading.Event()

    def hold_the_import_lock() -> None:
        with transaction.atomic():
            assert transaction_lock_try(
                name="backoffice.kit.importing:catalog.product", wait_seconds=0
            )
            holding.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=lambda: in_threads(hold_the_import_lock))
    holder.start()
    try:
        assert holding.wait(timeout=10)
        report = confirm_file(csv_bytes("sku,name,price,stock", "P-0,P-0,1,50"))
    finally:
        release.set()
        holder.join(timeout=30)

    assert [str(error) for error in report.errors] == [BUSY]
    assert not report.written
    assert Product.objects.get(sku="P-0").stock == 1
    # Its turn comes once the other is done.
    assert not confirm_file(csv_bytes("sku,name,price,stock", "P-0,P-0,1,50")).has_errors
    assert Product.objects.get(sku="P-0").stock == 50


def test_previews_do_not_wait_for_a_running_import(monkeypatch):
    ProductFactory(sku="P-0", name="P-0", price=1, stock=1)
    holding, release = threading.Event(), threading.Event()

    def hold_the_import_lock() -> None:
        with transaction.atomic():
            transaction_lock_try(name="backoffice.kit.importing:catalog.product", wait_seconds=0)
            holding.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=lambda: in_threads(hold_the_import_lock))
    holder.start()
    try:
        assert holding.wait(timeout=10)
        report = file_import(
            importer=ProductImporter(),
            data=csv_bytes("sku,name,price,stock", "P-0,P-0,1,50"),
            name="f.csv",
            dry_run=True,
        )
    finally:
        release.set()
        holder.join(timeout=30)

    assert not report.has_errors
    assert report.totals["update"] == 1
