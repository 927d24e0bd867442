"""Alerts and the dashboard tell which stock movement took a product where it is."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from alerts import selectors
from alerts.models import StockAlert
from backoffice.kit.actor import acting_as
from backoffice.kit.importing.engine import file_import
from catalog.importers import ProductImporter
from catalog.ledger import products_out_of_balance
from catalog.models import StockMovement
from tests.catalog.importing import PRODUCT_HEADER, csv_bytes
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_alert_raised_by_a_save_links_its_movement(superuser):
    product = ProductFactory(stock=12, low_stock_threshold=5)
    product.stock = 3
    with acting_as(superuser):
        product.save()
    alert = StockAlert.objects.get(product=product)
    assert alert.movement == StockMovement.objects.filter(product_pk=product.pk).latest("id")
    assert alert.movement.summary == "stock 12 → 3 by system change, by root"


def test_an_alert_raised_by_an_import_links_its_movement():
    ProductFactory(sku="SUP-1", name="One", stock=12, low_stock_threshold=5)
    user = UserFactory(username="inventory")
    data = csv_bytes(PRODUCT_HEADER, "SUP-1,One,9.90,3,5,yes,")
    report = file_import(
        importer=ProductImporter(user=user), data=data, name="supplier-2026-11.csv", dry_run=False
    )
    assert not report.has_errors
    alert = StockAlert.objects.get(sku="SUP-1")
    assert alert.movement.summary == ("stock 12 → 3 by import supplier-2026-11.csv, by inventory")


def test_the_dashboard_shows_the_raising_movement_and_the_largest_drops(superuser_client):
    small = ProductFactory(sku="SMALL", stock=10, low_stock_threshold=2)
    large = ProductFactory(sku="LARGE", stock=90, low_stock_threshold=50)
    old = ProductFactory(sku="OLD", stock=500, low_stock_threshold=0)
    with acting_as(superuser_client.user):
        for product, stock in ((small, 8), (large, 4), (old, 0)):
            product.stock = stock
            product.save()
    StockMovement.objects.filter(sku="OLD").update(
        created_at=StockMovement.objects.get(sku="OLD", delta=-500).created_at - timedelta(days=2)
    )
    dashboard = selectors.dashboard_get(user=superuser_client.user)
    assert [(d.movement.sku, d.movement.delta, d.how) for d in dashboard.stock_drops] == [
        ("LARGE", -86, "system change"),
        ("SMALL", -2, "system change"),
    ]
    [open_alert] = dashboard.open_alerts
    assert open_alert.raised_by == "stock 90 → 4 by system change, by root"
    page = superuser_client.get(reverse("admin:index")).content.decode()
    assert "stock 90 → 4 by system change, by root" in page
    assert 'id="stock-drops"' in page


def test_editors_do_not_see_stock_drops(admin_client_for):
    page = admin_client_for("Editors").get(reverse("admin:index")).content.decode()
    assert 'id="stock-drops"' not in page


def test_sync_stock_alerts_balances_the_ledger_after_raw_sql():
    product = ProductFactory(stock=5)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_product SET stock = 1 WHERE id = %s", [product.pk])
    call_command("sync_stock_alerts", verbosity=0)
    assert not products_out_of_balance().exists()
    movement = StockMovement.objects.filter(product_pk=product.pk).latest("id")
    assert (movement.reason, movement.stock_before, movement.stock_after) == ("system", 5, 1)
    assert StockAlert.objects.get(product=product).movement == movement
