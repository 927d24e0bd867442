"""backoffice.kit.importing.writing: rows written with one executemany per statement."""

from decimal import Decimal

import pytest
from django.db import connection

from backoffice.kit.importing.writing import update_rows
from catalog.models import Article, Product
from tests.factories import ArticleFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_update_rows_writes_the_given_fields_of_each_row_in_pk_order():
    products = [ProductFactory(stock=50, price=Decimal("1.00"), name=f"P{n}") for n in range(3)]
    for number, product in enumerate(products):
        product.stock = number
        product.price = Decimal("2.50") + number
        product.name = "not written"  # not among the fields
    calls = []

    def record(execute, sql, params, many, context):
        calls.append((sql, params, many))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        update_rows(model=Product, instances=products[::-1], fields={"stock", "price"})

    [(sql, params, many)] = calls
    assert many
    assert sql.startswith('UPDATE "catalog_product" SET "price" = %s, "stock" = %s')
    assert [row[-1] for row in params] == sorted(product.pk for product in products)
    stored = Product.objects.order_by("pk").values_list("name", "stock", "price")
    assert list(stored) == [
        ("P0", 0, Decimal("2.50")),
        ("P1", 1, Decimal("3.50")),
        ("P2", 2, Decimal("4.50")),
    ]


def test_update_rows_writes_empty_values_and_foreign_keys_by_attname():
    article = ArticleFactory(status="published")
    article.published_at = None
    article.author_id = None
    update_rows(model=Article, instances=[article], fields={"published_at", "author_id"})
    assert Article.objects.values_list("published_at", "author_id").get() == (None, None)


def test_update_rows_without_rows_runs_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        update_rows(model=Product, instances=[], fields={"stock"})
