"""Product and Article models: constraints, normalisation and derived state."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings

from catalog.models import Article, Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_negative_stock_is_rejected_by_validation_with_a_clear_message():
    product = ProductFactory.build(stock=-1)
    with pytest.raises(ValidationError) as excinfo:
        product.full_clean()
    assert "stock" in excinfo.value.message_dict
    assert "greater than or equal to 0" in excinfo.value.message_dict["stock"][0]


def test_negative_stock_is_rejected_by_the_database():
    product = ProductFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(stock=-5)
    product.refresh_from_db()
    assert product.stock == 50


def test_negative_price_is_rejected_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(price=Decimal("-0.01"))
    assert not Product.objects.exists()


def test_check_constraint_message_names_the_problem():
    product = ProductFactory.build(stock=-3)
    with pytest.raises(ValidationError) as excinfo:
        product.validate_constraints()
    assert "Stock cannot be negative." in str(excinfo.value)


def test_sku_is_unique():
    ProductFactory(sku="ABC-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(sku="ABC-1")


def test_sku_is_stripped_but_keeps_its_case():
    product = ProductFactory(sku="  MiXed-Case-7 \t")
    product.refresh_from_db()
    assert product.sku == "MiXed-Case-7"


def test_slug_is_unique():
    Article.objects.create(title="One", slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(title="Two", slug="same")


@override_settings(BACKOFFICE_LOW_STOCK_THRESHOLD=12)
def test_threshold_defaults_to_the_setting():
    product = Product.objects.create(sku="T-1", name="T", price=Decimal("1.00"), stock=3)
    assert product.low_stock_threshold == 12


@pytest.mark.parametrize(
    ("stock", "threshold", "low", "out"),
    [(0, 5, True, True), (4, 5, True, False), (5, 5, False, False), (0, 0, False, True)],
)
def test_stock_state(stock, threshold, low, out):
    product = ProductFactory.build(stock=stock, low_stock_threshold=threshold)
    assert product.is_low_on_stock is low
    assert product.is_out_of_stock is out


def test_stock_state_querysets_agree_with_the_properties():
    products = [
        ProductFactory(stock=stock, low_stock_threshold=threshold)
        for stock, threshold in [(0, 5), (2, 5), (5, 5), (9, 5), (0, 0)]
    ]
    low = set(Product.objects.low_on_stock().values_list("pk", flat=True))
    out = set(Product.objects.out_of_stock().values_list("pk", flat=True))
    ok = set(Product.objects.stock_ok().values_list("pk", flat=True))
    assert low == {p.pk for p in products if p.is_low_on_stock}
    assert out == {p.pk for p in products if p.is_out_of_stock}
    assert ok == {p.pk for p in products if not p.is_low_on_stock}
