"""The Stock movements list's product filter: choices from the admin's autocomplete view
(ProductAdmin's search, permission-checked), never a list of products or of movements; odd
values answer 400 (docs/architecture.md#the-stock-ledger)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backoffice.kit.lookups import MAX_SEARCH_TERMS
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

MOVEMENTS = reverse("admin:catalog_stockmovement_changelist")
AUTOCOMPLETE = reverse("admin:autocomplete")
SOURCE = {"app_label": "catalog", "model_name": "stockmovement", "field_name": "product"}


def test_the_filter_is_a_search_box_that_lists_no_product(superuser_client):
    for n in range(5):
        ProductFactory(sku=f"FILTER-{n}")
    page = superuser_client.get(MOVEMENTS).content.decode()
    assert 'class="form-control product-autocomplete-filter"' in page
    assert f'data-url="{AUTOCOMPLETE}"' in page
    assert "FILTER-3" in page  # the movements' rows, not choices:
    assert page.count("FILTER-3") == 1
    assert "catalog/product_filter.js" in page


def test_a_chosen_product_is_shown_selected_and_filters_the_list(superuser_client):
    product = ProductFactory(sku="CHOSEN-1", name="Chosen")
    ProductFactory(sku="OTHER-1")
    response = superuser_client.get(MOVEMENTS + f"?product={product.pk}")
    page = response.content.decode()
    assert f'<option value="{product.pk}" selected>CHOSEN-1 — Chosen</option>' in page
    assert [m.sku for m in response.context["cl"].result_list] == ["CHOSEN-1"]


def test_typing_part_of_a_sku_finds_products_through_the_autocomplete_view(admin_client_for):
    wanted = ProductFactory(sku="TEA-0042", name="Green tea")
    ProductFactory(sku="COF-0001", name="Coffee")
    client = admin_client_for("Inventory managers")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(AUTOCOMPLETE, {**SOURCE, "term": "tea-00"})
    assert response.status_code == 200
    assert response.json() == {
        "results": [{"id": str(wanted.pk), "text": "TEA-0042 — Green tea"}],
        "pagination": {"more": False},
    }
    sqls = [query["sql"] for query in queries]
    assert not [sql for sql in sqls if "stockmovement" in sql], sqls


@pytest.mark.parametrize(("role", "status"), [("Viewers", 200), (None, 403)])
def test_the_autocomplete_asks_the_product_view_permission(admin_client_for, role, status):
    ProductFactory(sku="PERM-1")
    response = admin_client_for(role).get(AUTOCOMPLETE, {**SOURCE, "term": "PERM"})
    assert response.status_code == status


@pytest.mark.parametrize(
    "value", ["abc", "1.5", "-3", "²", "9" * 19, "1 OR 1=1", "%00", "\uff11\uff12"]
)
def test_an_odd_product_value_answers_400(superuser_client, value):
    response = superuser_client.get(MOVEMENTS, {"product": value})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        {**SOURCE, "term": "\x00"},
        {**SOURCE, "term": "x" * 5000},
        {**SOURCE, "term": " ".join(["abc"] * 1000)},
        {**SOURCE, "term": "a", "page": "abc"},
        {**SOURCE, "term": "a", "page": "99999"},
        {**SOURCE, "field_name": "actor"},
        {**SOURCE, "field_name": "nope"},
        {**SOURCE, "model_name": "nope"},
        {"term": "a"},
    ],
)
def test_odd_autocomplete_requests_answer_4xx_never_500(superuser_client, query):
    ProductFactory(sku="ODD-1")
    response = superuser_client.get(AUTOCOMPLETE, query)
    assert 200 <= response.status_code < 500
    if "\x00" in query.get("term", "") or len(query.get("term", "").split()) > MAX_SEARCH_TERMS:
        assert response.status_code == 400


def test_an_empty_value_means_every_product(superuser_client):
    ProductFactory(sku="ANY-1")
    response = superuser_client.get(MOVEMENTS + "?product=")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
