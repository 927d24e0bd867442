"""The admin's product search (catalog/search.py) finds exactly what Django's own search
("^sku", "name") finds, in SKU order, with the indexes of catalog/migrations/0006 in use."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Product
from catalog.search import product_search_terms, products_search
from tests.factories import ProductFactory

PRODUCTS = reverse("admin:catalog_product_changelist")

# SKU prefixes, names that contain other products' SKUs, case, LIKE wildcards, backslashes,
# quotes and a non-ASCII letter: each term below hits some of these in a different way.
CATALOG = [
    ("TEA-001", "Green tea"),
    ("TEA-002", "Black tea 50% off"),
    ("tea-003", "Lower-case sku"),
    ("TEAPOT-1", "Ceramic teapot"),
    ("COF-001", "House blend with TEA-00 notes"),
    ("COF-002", "Decaf_blend"),
    ("COF_003", "Under score sku"),
    ("CUP-100%", "Percent sku"),
    ("A\\B-1", "Back\\slash"),
    ("GFT-001", 'Gift "deluxe" box'),
    ("ÉCO-001", "Éco refill"),
    ("éco-002", "éco travel mug"),
    ("ACC-001", "Steel filter"),
    ("ACC-002", "Glass filter tea"),
]
TERMS = [
    "TEA-00",
    "tea",
    "TEA",
    "te",
    "t",
    "50%",
    "%",
    "_",
    "COF_",
    "de_",
    "A\\B",
    "\\",
    '"deluxe"',
    '"house blend"',
    "house blend",
    "filter tea",
    "éco",
    "ÉCO",
    "zzz",
    "'",
    '"',
]


def reference_search(products: list[Product], search_term: str) -> list[str]:
    """Every term in the SKU's prefix or in the name; case folded as the database folds it."""
    fold = str.upper if connection.vendor == "postgresql" else ascii_upper
    skus = []
    for product in products:
        sku, name = fold(product.sku), fold(product.name)
        terms = [fold(term) for term in product_search_terms(search_term)]
        if all(sku.startswith(term) or term in name for term in terms):
            skus.append(product.sku)
    return sorted(skus, key=sku_order)


def ascii_upper(text: str) -> str:
    # SQLite's LIKE folds the case of ASCII letters only.
    return "".join(char.upper() if char.isascii() else char for char in text)


def sku_order(sku: str) -> bytes:
    # Both databases here sort the sku column by code point (SQLite BINARY, PostgreSQL C).
    return sku.encode()


@pytest.fixture
def catalog(db) -> list[Product]:
    return [ProductFactory(sku=sku, name=name) for sku, name in CATALOG]


@pytest.mark.parametrize("search_term", TERMS)
def test_results_equal_the_reference_filter_in_sku_order(catalog, search_term):
    found = products_search(queryset=Product.objects.order_by("sku"), search_term=search_term)
    assert list(found.values_list("sku", flat=True)) == reference_search(catalog, search_term)


@pytest.mark.parametrize("search_term", TERMS)
def test_results_equal_djangos_own_admin_search(catalog, search_term, rf):
    # ModelAdmin.get_search_results with the same search_fields is the contract.
    django_search, _ = admin.ModelAdmin.get_search_results(
        admin.site.get_model_admin(Product), rf.get("/"), Product.objects.all(), search_term
    )
    ours = products_search(queryset=Product.objects.all(), search_term=search_term)
    assert set(ours.values_list("pk", flat=True)) == set(django_search.values_list("pk", flat=True))


def test_names_changed_or_deleted_are_found_by_their_new_name_only(catalog):
    product = Product.objects.get(sku="ACC-001")
    product.name = "Chrome kettle"
    product.save()
    Product.objects.filter(sku="ACC-002").update(name="Enamel kettle")
    Product.objects.filter(sku="COF-001").delete()

    def found(term: str) -> set[str]:
        return set(
            products_search(queryset=Product.objects.all(), search_term=term).values_list(
                "sku", flat=True
            )
        )

    assert found("kettle") == {"ACC-001", "ACC-002"}
    assert found("filter") == set()
    assert found("house blend") == set()


def test_changelist_search_with_filter_and_second_page(superuser_client):
    for number in range(120):
        ProductFactory(sku=f"TEA-{number:03d}", name="Leaf", stock=0 if number % 2 else 50)
    ProductFactory(sku="COF-001", name="Tea-00 blend", stock=0)
    ProductFactory(sku="ACC-001", name="Mug", stock=0)

    response = superuser_client.get(PRODUCTS, {"q": "tea-0", "stock_state": "out", "p": 2})

    changelist = response.context["cl"]
    # TEA-100 and up do not start with "tea-0"; COF-001's name contains it.
    expected = ["COF-001"] + [f"TEA-{number:03d}" for number in range(1, 100, 2)]
    assert changelist.result_count == len(expected) == 51
    assert [product.sku for product in changelist.result_list] == expected[50:]


def test_select_across_action_changes_every_match_and_nothing_else(superuser_client):
    for number in range(60):
        ProductFactory(sku=f"TEA-{number:03d}", name="Leaf")
    ProductFactory(sku="COF-001", name="tea-0 sampler")
    ProductFactory(sku="ACC-001", name="Mug")

    response = superuser_client.post(
        PRODUCTS + "?q=TEA-0",
        {
            "action": "mark_inactive",
            "select_across": "1",
            "index": "0",
            "_selected_action": [Product.objects.get(sku="TEA-000").pk],
        },
    )

    assert response.status_code == 302
    inactive = set(Product.objects.filter(is_active=False).values_list("sku", flat=True))
    assert inactive == {f"TEA-{number:03d}" for number in range(60)} | {"COF-001"}


@pytest.mark.parametrize("size", [3, 120])
def test_search_queries_do_not_grow_with_the_table(
    superuser_client, django_assert_num_queries, size
):
    for number in range(size):
        ProductFactory(sku=f"TEA-{number:04d}")
    superuser_client.get(PRODUCTS)  # warm the content-type cache
    with CaptureQueriesContext(connection) as unsearched:
        superuser_client.get(PRODUCTS)
    # A search costs no query more than the plain list: the count and the page, as there.
    with django_assert_num_queries(len(unsearched)):
        response = superuser_client.get(PRODUCTS, {"q": "TEA-00 tea"})
    assert response.context["cl"].result_count == min(size, 100)


def search_page_plan(search_term: str) -> str:
    page = products_search(queryset=Product.objects.order_by("sku"), search_term=search_term)
    sql, params = page[:50].query.sql_with_params()
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A handful of rows is read sequentially; make the planner show the index path.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(prefix + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 and NOCASE index")
def test_sqlite_reads_candidates_from_the_nocase_and_trigram_indexes(catalog):
    plan = search_page_plan("TEA-00")
    assert "MULTI-INDEX OR" in plan
    assert "catalog_product_sku_nocase_idx (sku>? AND sku<?)" in plan
    assert "catalog_product_name_fts VIRTUAL TABLE" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's SKU-order bound")
def test_postgresql_reads_the_page_in_sku_order_from_the_lowest_possible_sku(catalog):
    plan = search_page_plan("TEA-00")
    assert "Index Scan using catalog_product_sku_key on catalog_product" in plan
    assert "Index Cond: ((sku)::text >= (" in plan
    # The (sku, name) index would let the planner count through that bound: gone here.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'catalog_product_skuname_idx'")
        assert cursor.fetchone() is None
