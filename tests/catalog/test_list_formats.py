"""The product list shows prices with the shop's currency and dates in the shop's one
format; exports keep plain numbers (issue 17, item 10)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Product
from catalog.resources import ProductResource
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

PRODUCT_LIST = reverse("admin:catalog_product_changelist")


def test_the_list_shows_prices_with_the_shops_currency(admin_client_for, settings):
    ProductFactory(sku="GRD-1", price=Decimal("1249.00"))
    ProductFactory(sku="FLT-1", price=Decimal("4.5"))
    client = admin_client_for("Viewers")
    content = client.get(PRODUCT_LIST).content.decode()
    assert '<td class="field-price_with_currency">€1,249.00</td>' in content
    assert '<td class="field-price_with_currency">€4.50</td>' in content
    settings.BACKOFFICE_CURRENCY = "SEK"
    content = client.get(PRODUCT_LIST).content.decode()
    assert '<td class="field-price_with_currency">4.50\xa0SEK</td>' in content


def test_the_price_column_sorts_by_price(admin_client_for):
    ProductFactory(sku="B", price=Decimal("2"))
    ProductFactory(sku="A", price=Decimal("10"))
    response = admin_client_for("Viewers").get(PRODUCT_LIST, {"o": "3"})
    assert [row.sku for row in response.context["cl"].result_list] == ["B", "A"]


def test_exports_keep_plain_numbers(settings):
    settings.BACKOFFICE_CURRENCY = "EUR"
    ProductFactory(sku="GRD-1", price=Decimal("1249.00"))
    dataset = ProductResource().export(queryset=Product.objects.all())
    assert dataset.dict[0]["price"] == "1249.00"


def test_list_dates_use_the_shops_format(admin_client_for, settings):
    settings.TIME_ZONE = "UTC"
    product = ProductFactory(sku="DATED")
    moment = datetime(2026, 11, 12, 14, 5, tzinfo=UTC)
    Product.objects.filter(pk=product.pk).update(updated_at=moment)
    content = admin_client_for("Viewers").get(PRODUCT_LIST).content.decode()
    assert '<td class="field-updated_at nowrap">12 Nov 2026, 14:05</td>' in content
