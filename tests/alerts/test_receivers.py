"""One wiring test per receiver: the signal reaches the service (rules: test_services.py)."""

import pytest
from django.core.management import call_command
from django.db.models.signals import post_save

from alerts.models import DeletionRecord, StockAlert
from catalog import services as catalog_services
from catalog.models import Product
from tests.factories import ArticleFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_post_save_of_a_product_raises_its_alert():
    product = ProductFactory(stock=1)
    assert StockAlert.objects.filter(product=product).exists()


def test_post_save_skips_raw_saves_and_sync_stock_alerts_catches_up():
    product = Product.objects.bulk_create(
        [Product(sku="RAW-1", name="Raw", price=1, stock=0, low_stock_threshold=5)]
    )[0]
    post_save.send(sender=Product, instance=product, created=True, raw=True, using="default")
    assert not StockAlert.objects.exists()
    call_command("sync_stock_alerts", verbosity=0)
    assert StockAlert.objects.get().product == product


def test_pre_delete_of_a_product_resolves_its_alert():
    product = ProductFactory(stock=1)
    product.delete()
    assert StockAlert.objects.get().status == StockAlert.Status.RESOLVED


def test_products_bulk_changed_syncs_the_listed_products():
    product = Product.objects.bulk_create(
        [Product(sku="BULK-9", name="Bulk", price=1, stock=0, low_stock_threshold=5)]
    )[0]
    catalog_services.products_changed_in_bulk(product_ids=[product.pk])
    assert StockAlert.objects.get().product == product


@pytest.mark.parametrize(
    "factory", [ProductFactory, ArticleFactory, UserFactory], ids=["product", "article", "user"]
)
def test_pre_delete_of_a_tracked_model_writes_a_deletion_record(factory):
    obj = factory()
    model_name = obj._meta.model_name
    obj.delete()
    assert DeletionRecord.objects.filter(content_type__model=model_name).count() == 1
