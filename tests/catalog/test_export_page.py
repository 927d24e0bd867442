"""The export page (issue 17, item 6): fields by their verbose names, CSV chosen, a button
that counts the rows as the list does, the list's filters named, and a file that imports back
unchanged (backoffice/kit/importing/export_page.py)."""

import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backoffice.kit.importing.export_page import ExportScope
from catalog.importers import ProductImporter
from catalog.models import Product
from tests.catalog.importing import preview
from tests.catalog.test_export import body, export_post
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

EXPORT = reverse("admin:catalog_product_export")


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def button(html: str) -> str:
    match = re.search(r'<button type="submit"[^>]*id="export-submit">([^<]*)</button>', html)
    assert match, "no export button"
    return match.group(1)


def page(client, query: str = "") -> str:
    response = client.get(EXPORT + query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_issues_labels_are_gone(superuser_client):
    html = page(superuser_client)
    shown = text(html)
    # Issue 17, item 6: 'shows empty "Resource:" and "Export items:" labels, offers format
    # "---", labels fields "Sku" and "Is Active" and submits with "Submit"'.
    for old in ["Resource:", "Export items:", "---", "Sku", "Is Active", "Submit"]:
        assert old not in shown, old
    assert 'value="Submit"' not in html
    # jazzmin's copy loaded a script that needs the admin's jQuery ("django is not defined").
    assert "jazzmin/js/change_form.js" not in html


def test_fields_show_their_verbose_names_and_the_files_column_headers(superuser_client):
    html = page(superuser_client)
    labels = re.findall(r'class="form-check-label" for="id_productresource_(\w+)">([^<]+)<', html)
    assert labels == [
        ("sku", "SKU"),
        ("name", "Name"),
        ("price", "Price"),
        ("stock", "Stock"),
        ("low_stock_threshold", "Low stock threshold"),
        ("is_active", "Active"),
        ("description", "Description"),
    ]
    assert re.findall(r'<code class="small ms-1">(\w+)</code>', html) == (
        ProductImporter.column_names()
    )


def test_csv_is_chosen_and_there_is_no_empty_format(superuser_client):
    html = page(superuser_client)
    radios = re.findall(r'<input type="radio" name="format" value="(\d)"[^>]*>', html)
    assert radios == ["0", "1"]
    checked = re.search(r'<input type="radio" name="format" value="(\d)"[^>]*checked', html)
    assert checked.group(1) == "0"
    assert re.search(r'for="id_format_0">CSV<', html)
    assert re.search(r'for="id_format_1">XLSX<', html)


def test_the_button_counts_the_filtered_rows(superuser_client):
    ProductFactory.create_batch(59, stock=1, low_stock_threshold=5)
    ProductFactory.create_batch(3, stock=50)
    assert button(page(superuser_client, "?stock_state=low")) == "Export 59 products"
    assert button(page(superuser_client)) == "Export 62 products"
    one = Product.objects.filter(stock=50).first()
    assert button(page(superuser_client, f"?q={one.sku}")) == "Export 1 product"
    assert button(page(superuser_client, "?q=no-such-thing")) == "Export 0 products"


def test_the_active_filters_and_search_are_named(superuser_client):
    ProductFactory(sku="TEA-1", stock=1, low_stock_threshold=5)
    shown = text(page(superuser_client, "?stock_state=low&is_active__exact=1&q=TEA"))
    assert "Filtered by: Stock state: Low (not out) Active: Yes Search: “TEA”" in shown
    assert "All products: no filter or search is applied." in text(page(superuser_client))
    # A value no choice matches filters nothing, so it is not named.
    assert "Filtered by" not in text(page(superuser_client, "?stock_state=nonsense"))


def test_a_filter_past_the_lists_limit_is_counted_as_the_list_counts_it(
    superuser_client, monkeypatch
):
    product_admin = admin.site.get_model_admin(Product)
    monkeypatch.setattr(product_admin, "search_count_limit", 5)
    monkeypatch.setattr(product_admin, "list_per_page", 2)
    monkeypatch.setattr(product_admin, "list_max_show_all", 3)
    ProductFactory.create_batch(8, stock=1, low_stock_threshold=5)
    with CaptureQueriesContext(connection) as queries:
        html = page(superuser_client, "?stock_state=low")
    assert button(html) == "Export more than 5 products"
    assert "written in the background" in text(html)
    # One count, stopped at the limit: never a count of every matching row.
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert len(counts) == 1
    assert "LIMIT 6" in counts[0]


def test_the_selection_from_the_list_is_counted(superuser_client):
    chosen = ProductFactory.create_batch(2)
    response = superuser_client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "export_admin_action", "_selected_action": [p.pk for p in chosen]},
    )
    html = response.content.decode()
    assert button(html) == "Export 2 selected products"
    assert "The 2 products selected on the list." in text(html)
    # The form posts to the export page (not back to the list).
    assert re.search(rf'<form action="{EXPORT}" method="post" id="export-form">', html)


@pytest.mark.parametrize(
    ("scope", "label"),
    [
        (ExportScope(count=1_000_000, estimated=True), "Export about 1,000,000 products"),
        (ExportScope(count=1001, capped=True), "Export more than 1,000 products"),
        (ExportScope(count=1, selected=True), "Export 1 selected product"),
        (ExportScope(count=59), "Export 59 products"),
    ],
)
def test_button_labels(scope, label):
    assert scope.button_label(Product._meta) == label


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_filter_value_the_list_cannot_use_answers_400(superuser_client, method):
    url = EXPORT + "?is_active__exact=maybe"
    response = getattr(superuser_client, method)(url, {"format": "0", "resource": "0"})
    assert response.status_code == 400


def test_an_exported_file_imports_back_unchanged(superuser_client, upload_media):
    ProductFactory(sku="RT-1", name="Tea, green", price="4.50", stock=7, description="=1+1")
    ProductFactory(sku="RT-2", name="Mug", price="12.00", stock=0, is_active=False)
    columns = ProductImporter.column_names()

    exported = body(export_post(superuser_client, "catalog_product", "productresource", columns))

    assert exported.decode().splitlines()[0] == ",".join(columns)
    report = preview(superuser_client, "catalog_product", exported).context["report"]
    assert report.error_count == 0
    assert (report.totals["new"], report.totals["update"], report.totals["skip"]) == (0, 0, 2)
