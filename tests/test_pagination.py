"""Searches and filters on large tables are counted up to a limit (backoffice.kit.pagination)."""

import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.models import StockAlert
from backoffice.kit.pagination import EstimatedCountPaginator
from catalog.models import Product
from tests.factories import ProductFactory

PRODUCTS = reverse("admin:catalog_product_changelist")
ELLIPSIS = EstimatedCountPaginator.ELLIPSIS

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def twelve_matches():
    for index in range(12):
        ProductFactory(sku=f"TEA-{index:03d}", name=f"Tea {index}")
    ProductFactory(sku="COF-001", name="Coffee")  # no match


@pytest.fixture
def small_limits(monkeypatch):
    """Product list: 2 rows a page, "Show all" up to 3, searches counted up to 5 rows."""
    product_admin = admin.site.get_model_admin(Product)
    monkeypatch.setattr(product_admin, "list_per_page", 2)
    monkeypatch.setattr(product_admin, "list_max_show_all", 3)
    monkeypatch.setattr(product_admin, "search_count_limit", 5)
    return product_admin


def test_a_count_within_the_limit_is_exact(twelve_matches):
    paginator = EstimatedCountPaginator(
        Product.objects.filter(sku__startswith="TEA"), 2, count_limit=12
    )
    assert paginator.count == 12
    assert not paginator.count_is_capped
    assert list(paginator.get_elided_page_range(1)) == [1, 2, 3, 4, 5, 6]


def test_a_count_past_the_limit_stops_there_in_one_unordered_query(twelve_matches):
    queryset = Product.objects.filter(sku__startswith="TEA").order_by("sku")
    paginator = EstimatedCountPaginator(queryset, 2, count_limit=5)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 6
    assert paginator.count_is_capped
    assert paginator.num_pages == 3
    (sql,) = [query["sql"] for query in queries.captured_queries]
    assert "LIMIT 6" in sql
    assert "ORDER BY" not in sql  # sorting every match would cost what the limit saves


def test_without_a_limit_a_filtered_list_is_counted_exactly(twelve_matches):
    paginator = EstimatedCountPaginator(Product.objects.filter(sku__startswith="TEA"), 2)
    assert paginator.count == 12
    assert not paginator.count_is_capped


def test_a_capped_page_range_has_no_last_pages():
    paginator = EstimatedCountPaginator(Product.objects.none(), 10, count_limit=1000)
    paginator.count = 1001  # what a capped count found
    paginator.count_is_capped = True
    assert list(paginator.get_elided_page_range(1)) == [1, 2, 3, 4, ELLIPSIS]
    assert list(paginator.get_elided_page_range(9)) == [
        1, 2, ELLIPSIS, 6, 7, 8, 9, 10, 11, 12, ELLIPSIS,
    ]  # fmt: skip
    paginator.count_is_capped = False  # Django's range, last pages included
    assert list(paginator.get_elided_page_range(1)) == [1, 2, 3, 4, ELLIPSIS, 100, 101]


def test_a_search_past_the_limit_says_more_than(
    superuser_client, django_assert_num_queries, twelve_matches, small_limits
):
    superuser_client.get(PRODUCTS)  # warm the content-type cache
    # As many as an exact count: session and user (2), count and rows (2), the side-menu
    # badge (1); jazzmin's menus come from the cache the first page filled.
    with django_assert_num_queries(5):
        response = superuser_client.get(PRODUCTS, {"q": "tea"})
    html = response.content.decode()
    paginator = response.context["cl"].paginator
    assert paginator.count_is_capped
    assert paginator.count_limit == 5
    assert "More than 5 products" in text(html)
    assert "12 products" not in text(html)
    # The last pages are not known: page links stop after the current page's neighbours,
    # then an ellipsis and a next arrow to page 2.
    pagination = text(re.search(r'<ul class="pagination.*?</ul>', html, re.S).group(0))
    assert pagination == "« 1 2 … »"
    assert 'href="?p=2&amp;q=tea"' in html
    assert "Select all products matching the search (more than 5)" in text(html)
    assert "All products matching the search selected (more than 5)" in text(html)
    assert "Select all 6" not in html


def test_deep_pages_stay_reachable_and_the_end_is_counted_exactly(
    superuser_client, twelve_matches, small_limits
):
    # Page 3 counts up to 2 * 2 + 5 = 9 rows: still more.
    response = superuser_client.get(PRODUCTS, {"q": "tea", "p": 3})
    assert response.status_code == 200
    assert "More than 9 products" in text(response.content.decode())
    assert [p.sku for p in response.context["cl"].result_list] == ["TEA-004", "TEA-005"]
    # Page 5 counts up to 13: all 12 matches, so the exact count and the last page are shown.
    response = superuser_client.get(PRODUCTS, {"q": "tea", "p": 5})
    html = response.content.decode()
    assert not response.context["cl"].paginator.count_is_capped
    assert "12 products" in text(html)
    pagination = text(re.search(r'<ul class="pagination.*?</ul>', html, re.S).group(0))
    assert pagination == "« 1 2 3 4 5 6 »"
    assert [p.sku for p in response.context["cl"].result_list] == ["TEA-008", "TEA-009"]


def test_the_limit_never_falls_below_a_page_or_show_all(
    superuser_client, twelve_matches, small_limits, monkeypatch
):
    # A limit of 1 would count 2 rows, within one page of 2: the list would then show every
    # match unpaginated. The limit is raised to the "Show all" size (3) instead.
    monkeypatch.setattr(small_limits, "search_count_limit", 1)
    response = superuser_client.get(PRODUCTS, {"q": "tea", "all": ""})
    cl = response.context["cl"]
    assert cl.paginator.count_limit == 3
    assert cl.result_count == 4
    assert not cl.can_show_all
    assert len(cl.result_list) == 2


def test_selecting_across_a_capped_search_acts_on_every_match(
    superuser_client, twelve_matches, small_limits
):
    first_page = Product.objects.filter(sku__startswith="TEA").order_by("sku")[:2]
    response = superuser_client.post(
        PRODUCTS + "?q=tea",
        {
            "action": "mark_inactive",
            "select_across": "1",
            "_selected_action": [product.pk for product in first_page],
            "index": "0",
        },
        follow=True,
    )
    assert "12 products marked inactive." in text(response.content.decode())
    assert not Product.objects.filter(sku__startswith="TEA", is_active=True).exists()
    assert Product.objects.get(sku="COF-001").is_active


def test_filters_are_counted_up_to_the_limit_too(superuser_client, small_limits):
    for _ in range(4):
        ProductFactory(stock=0)
    response = superuser_client.get(PRODUCTS, {"stock_state": "out"})
    assert response.context["cl"].result_count == 4  # within the limit: exact
    assert "4 products" in text(response.content.decode())
    for _ in range(4):
        ProductFactory(stock=0)
    response = superuser_client.get(PRODUCTS, {"stock_state": "out"})
    page = text(response.content.decode())
    assert response.context["cl"].paginator.count_is_capped
    assert "More than 5 products" in page
    assert "Select all products matching the filters (more than 5)" in page
    # The whole table is still counted exactly off PostgreSQL (estimated on it).
    response = superuser_client.get(PRODUCTS)
    assert not response.context["cl"].paginator.count_is_capped


def test_the_large_tables_count_searches_up_to_a_limit():
    from alerts.models import DeletionRecord

    for model in (Product, StockAlert, DeletionRecord):
        model_admin = admin.site.get_model_admin(model)
        assert model_admin.paginator is EstimatedCountPaginator
        assert model_admin.search_count_limit == 1_000
        assert model_admin.show_full_result_count is False
