"""Catalog admin pages cost the same number of queries at any table size; the paginator's
PostgreSQL row estimate replaces COUNT(*) only on a large, unfiltered table."""

import pytest
from django.db import connection
from django.urls import reverse

from backoffice.kit.pagination import EstimatedCountPaginator
from catalog.models import Article, Product
from tests.factories import ArticleFactory, ProductFactory, UserFactory

PRODUCTS = reverse("admin:catalog_product_changelist")
ARTICLES = reverse("admin:catalog_article_changelist")

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pg_class row estimates exist only on PostgreSQL (CI runs the suite there too)",
)


def seed_products(count: int) -> None:
    # Every tenth product low on stock, every twentieth out of stock, as in bench/seed_scale.
    for index in range(count):
        ProductFactory(stock=0 if index % 20 == 0 else 2 if index % 10 == 0 else 50)


# Session and user (2), the result count and the page of rows (2) and the side-menu alert
# badge (1). jazzmin's menus come from the cache the first page filled: drawing them lists a
# superuser's permissions (2 more, tests/test_admin_menus.py; docs/architecture.md#rendering).
PRODUCT_LIST_QUERIES = 5


@pytest.mark.parametrize("size", [3, 120])
@pytest.mark.parametrize(
    "query", ["", "?stock_state=low", "?stock_state=out", "?q=SKU-0", "?o=5", "?is_active__exact=1"]
)
def test_product_list_queries_do_not_grow_with_the_table(
    superuser_client, django_assert_num_queries, size, query
):
    seed_products(size)
    superuser_client.get(PRODUCTS)  # warm the content-type cache
    with django_assert_num_queries(PRODUCT_LIST_QUERIES):
        response = superuser_client.get(PRODUCTS + query)
    assert response.status_code == 200
    assert response.context["cl"].result_count == response.context["cl"].queryset.count()


@pytest.mark.parametrize("size", [3, 120])
def test_product_change_form_queries_do_not_grow_with_the_table(
    superuser_client, django_assert_num_queries, size
):
    seed_products(size)
    product = Product.objects.order_by("pk").last()
    for stock in range(size):  # as many stock movements as products
        product.stock = stock
        product.save()
    url = reverse("admin:catalog_product_change", args=[product.pk])
    superuser_client.get(url)
    # Session and user (2), the product (1), its stock history (1), the side-menu badge (1);
    # the menus are cached (see PRODUCT_LIST_QUERIES).
    with django_assert_num_queries(5):
        response = superuser_client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("<tr><td>") == min(size + 1, 20)


@pytest.mark.parametrize("size", [3, 120])
def test_article_list_queries_do_not_grow_with_articles_or_authors(
    superuser_client, django_assert_num_queries, size
):
    authors = UserFactory.create_batch(3)
    for index in range(size):
        ArticleFactory(author=authors[index % 3], status="published" if index % 2 else "draft")
    superuser_client.get(ARTICLES)
    # Session and user (2), the authors for the "by author" filter (1), the result count and
    # the page of rows with their authors (2), the side-menu badge (1); the menus are cached
    # (see PRODUCT_LIST_QUERIES).
    # No date_hierarchy queries: they would read every article on each view.
    with django_assert_num_queries(6):
        response = superuser_client.get(ARTICLES)
    assert response.status_code == 200
    assert response.context["cl"].date_hierarchy is None


@pytest.mark.django_db
def test_the_paginator_counts_exactly_on_a_filtered_list(django_assert_num_queries):
    seed_products(30)
    paginator = EstimatedCountPaginator(Product.objects.low_on_stock(), 10)
    paginator.estimate_above = 0
    with django_assert_num_queries(1):
        count = paginator.count
    assert count == Product.objects.low_on_stock().count() == 3


@pytest.mark.django_db
def test_the_paginator_counts_exactly_off_postgresql(django_assert_num_queries):
    if connection.vendor == "postgresql":
        pytest.skip("covered by the PostgreSQL tests below")
    seed_products(30)
    paginator = EstimatedCountPaginator(Product.objects.all(), 10)
    paginator.estimate_above = 0
    with django_assert_num_queries(1):
        assert paginator.count == 30


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_paginator_uses_the_row_estimate_of_a_large_unfiltered_table(
    django_assert_num_queries,
):
    seed_products(40)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_product")
    ProductFactory.create_batch(5)  # not analysed yet: the estimate still says 40
    paginator = EstimatedCountPaginator(Product.objects.all(), 10)
    paginator.estimate_above = 10
    with django_assert_num_queries(1):
        assert paginator.count == 40
    assert paginator.count_is_estimated  # the export button says "about"
    assert Product.objects.count() == 45


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_paginator_counts_a_small_table_exactly_in_one_query(django_assert_num_queries):
    seed_products(40)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_product")
    ProductFactory.create_batch(5)
    paginator = EstimatedCountPaginator(Product.objects.all(), 10)  # estimate_above 10,000
    with django_assert_num_queries(1):
        assert paginator.count == 45
    assert not paginator.count_is_estimated


@pytest.mark.django_db
def test_large_table_options_are_set():
    from django.contrib import admin

    from alerts.models import DeletionRecord, StockAlert

    for model in (Product, StockAlert, DeletionRecord):
        assert admin.site.get_model_admin(model).paginator is EstimatedCountPaginator
    assert admin.site.get_model_admin(Article).date_hierarchy is None
