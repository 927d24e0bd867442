"""Low-stock alerts after a bulk import equal those that saving each row would leave."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import transaction

from alerts.models import StockAlert
from backoffice.kit.importing import engine
from backoffice.kit.importing.engine import file_import
from catalog import importers
from catalog.models import Product
from tests.factories import ProductFactory

FILE = "\n".join(
    [
        "sku,name,price,stock,low_stock_threshold",
        "NEW-LOW,New low,1.00,2,5",  # new and low: raised
        "NEW-OUT,New out,1.00,0,5",  # new and out of stock: raised
        "NEW-OK,New ok,1.00,9,5",  # new, fine: nothing
        "WAS-LOW-NOW-OK,Recovered,1.00,40,5",  # open alert resolved
        "STILL-LOW,Still low,1.00,1,5",  # open alert kept, stock updated
        "NOW-LOW,Dropped,1.00,3,5",  # existing fine, now low: raised
        "THRESHOLD-UP,Threshold,1.00,8,10",  # same stock, threshold raised: low
        "UNCHANGED-LOW,Same,1.00,2,5",  # unchanged row with an open alert
    ]
)


def seed() -> None:
    for sku, stock in [
        ("WAS-LOW-NOW-OK", 1),
        ("STILL-LOW", 4),
        ("NOW-LOW", 30),
        ("THRESHOLD-UP", 8),
        ("UNCHANGED-LOW", 2),
    ]:
        ProductFactory(
            sku=sku,
            name="Same" if sku == "UNCHANGED-LOW" else sku,
            price=Decimal("1.00"),
            stock=stock,
        )


def import_fast() -> None:
    report = file_import(
        importer=importers.ProductImporter(), data=FILE.encode(), name="f.csv", dry_run=False
    )
    assert not report.has_errors, report.errors


def import_row_by_row() -> None:
    for row in csv.DictReader(io.StringIO(FILE)):
        product = Product.objects.filter(sku=row["sku"]).first() or Product(sku=row["sku"])
        product.name = row["name"]
        product.price = Decimal(row["price"])
        product.stock = int(row["stock"])
        product.low_stock_threshold = int(row["low_stock_threshold"])
        product.save()


def alerts_after(import_file) -> set[tuple]:
    with transaction.atomic():
        seed()
        import_file()
        alerts = set(StockAlert.objects.values_list("sku", "status", "stock", "threshold"))
        transaction.set_rollback(True)
    return alerts


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sync_batch", [importers.ALERT_SYNC_BATCH, 2], ids=["one-sync", "many-syncs"]
)
def test_fast_import_leaves_the_same_alerts_as_saving_each_row(monkeypatch, sync_batch):
    monkeypatch.setattr(importers, "ALERT_SYNC_BATCH", sync_batch)
    # several chunks, so syncs happen mid-file
    monkeypatch.setattr(engine.Importer, "chunk_size", 3)
    fast = alerts_after(import_fast)
    one_by_one = alerts_after(import_row_by_row)

    assert fast == one_by_one
    # And the scenario really exercises raise, update, resolve and leave-alone.
    assert ("NEW-LOW", "open", 2, 5) in fast
    assert {status for sku, status, *_ in fast if sku == "WAS-LOW-NOW-OK"} == {"resolved"}
    assert ("STILL-LOW", "open", 1, 5) in fast
    assert ("THRESHOLD-UP", "open", 8, 10) in fast
    assert not any(sku == "NEW-OK" for sku, *_ in fast)
