"""Export through the admin: CSV and XLSX, filters and selections, formula escaping."""

import csv
import io
from decimal import Decimal

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook
from tablib import Dataset

from catalog.importers import ProductImporter
from catalog.models import Product
from catalog.resources import ProductResource
from tests.catalog.importing import import_through_admin
from tests.factories import ArticleFactory, ProductFactory, UserFactory

CSV_FORMAT, XLSX_FORMAT = "0", "1"


def export_post(
    client, model: str, resource: str, columns: list[str], file_format=CSV_FORMAT, query="", **extra
):
    data = {"format": file_format, "resource": "0", **extra}
    data.update({f"{resource}_{column}": "on" for column in columns})
    return client.post(reverse(f"admin:{model}_export") + query, data)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


PRODUCT_COLUMNS = ProductImporter.column_names()


def test_product_csv_export_has_the_contract_columns(admin_client_for):
    client = admin_client_for("Viewers")
    ProductFactory(sku="A-1", name="Apple", price=Decimal("1.50"), stock=3)

    response = export_post(client, "catalog_product", "productresource", PRODUCT_COLUMNS)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0] == PRODUCT_COLUMNS
    assert rows[1][:4] == ["A-1", "Apple", "1.50", "3"]


def test_export_follows_the_changelist_filters(superuser_client):
    ProductFactory(sku="LOW", stock=1, low_stock_threshold=5)
    ProductFactory(sku="OK", stock=50)

    response = export_post(
        superuser_client, "catalog_product", "productresource", ["sku"], query="?stock_state=low"
    )

    assert csv_rows(response) == [["sku"], ["LOW"]]


def test_export_selected_action_exports_only_the_selection(superuser_client):
    chosen = ProductFactory(sku="CHOSEN")
    ProductFactory(sku="OTHER")
    form_page = superuser_client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "export_admin_action", "_selected_action": [chosen.pk]},
    )
    assert form_page.status_code == 200

    response = export_post(
        superuser_client, "catalog_product", "productresource", ["sku"], export_items=[chosen.pk]
    )

    assert csv_rows(response) == [["sku"], ["CHOSEN"]]


@pytest.mark.parametrize("dangerous", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_escaped_and_round_trip(superuser_client, upload_media, dangerous):
    ProductFactory(sku="F-1", name=dangerous, description=dangerous)

    response = export_post(superuser_client, "catalog_product", "productresource", PRODUCT_COLUMNS)

    content = body(response)
    row = list(csv.reader(io.StringIO(content.decode("utf-8"))))[1]
    assert row[1] == "'" + dangerous
    assert row[PRODUCT_COLUMNS.index("description")] == "'" + dangerous

    # The escaped export imports back as the original text and changes nothing.
    Product.objects.filter(sku="F-1").update(name="changed")
    import_through_admin(superuser_client, "catalog_product", content)
    assert Product.objects.get(sku="F-1").name == dangerous


def test_xlsx_export_escapes_formulas_too(superuser_client):
    ProductFactory(sku="X-1", name='=HYPERLINK("http://evil")')

    response = export_post(
        superuser_client, "catalog_product", "productresource", ["sku", "name"], XLSX_FORMAT
    )

    assert isinstance(response, FileResponse)
    sheet = load_workbook(io.BytesIO(body(response))).active
    assert [cell.value for cell in sheet[2]] == ["X-1", '\'=HYPERLINK("http://evil")']


@pytest.mark.parametrize("hidden", ["\x01", "\x1b", "\x0b\x0c"])
def test_xlsx_export_escapes_a_formula_behind_control_characters(superuser_client, hidden):
    # The change form stores control characters (Django's CharField refuses only NUL); the
    # XLSX export drops them, which must not uncover a formula the escaping did not see.
    ProductFactory(sku="X-1", name=hidden + '=HYPERLINK("http://evil","open")')

    response = export_post(
        superuser_client, "catalog_product", "productresource", ["sku", "name"], XLSX_FORMAT
    )

    cell = load_workbook(io.BytesIO(body(response))).active["B2"]
    assert cell.data_type == "s"
    assert cell.value == '\'=HYPERLINK("http://evil","open")'


def test_article_and_user_exports_name_authors_and_groups(superuser_client):
    author = UserFactory(username="jane", groups=["Editors", "Viewers"])
    ArticleFactory(slug="hello", author=author)

    articles = csv_rows(
        export_post(superuser_client, "catalog_article", "articleresource", ["slug", "author"])
    )
    users = csv_rows(
        export_post(superuser_client, "auth_user", "userresource", ["username", "groups"])
    )

    assert articles == [["slug", "author"], ["hello", "jane"]]
    assert ["jane", "Editors,Viewers"] in users


def test_export_query_count_is_constant(superuser_client, django_assert_max_num_queries):
    ProductFactory.create_batch(300)
    # session, user, whether there are more rows than BACKOFFICE_EXPORT_JOB_MIN_ROWS (one
    # bounded EXISTS), and one streamed SELECT of the products
    with django_assert_max_num_queries(4):
        response = export_post(
            superuser_client, "catalog_product", "productresource", PRODUCT_COLUMNS
        )
        rows = csv_rows(response)  # the rows are read while the response streams
    assert len(rows) == 301


def test_user_export_query_count_is_constant(superuser_client, django_assert_max_num_queries):
    for number in range(60):
        UserFactory(username=f"u{number}", groups=["Viewers"])
    # session, user, the job-threshold EXISTS, then import-export's paginated users plus
    # their prefetched groups
    with django_assert_max_num_queries(7):
        response = export_post(
            superuser_client, "auth_user", "userresource", ["username", "groups"]
        )
        rows = csv_rows(response)
    assert len(rows) == 62  # header, 60 users and root


@pytest.mark.django_db
def test_resource_widgets_give_readable_errors():
    # import-export's own DecimalWidget would report "[<class 'decimal.ConversionSyntax'>]".
    headers = ProductResource().get_export_headers()
    data = Dataset(["A-1", "Apple", "1.00", "lots", "", "", ""], headers=headers)
    result = ProductResource().import_data(data, dry_run=True)

    errors = result.invalid_rows[0].error_dict
    assert errors["stock"] == ["Enter a whole number, e.g. 12."]
    assert not Product.objects.exists()


def test_export_selection_ignores_forged_items(superuser_client):
    ProductFactory(sku="ONLY")

    response = export_post(
        superuser_client, "catalog_product", "productresource", ["sku"], export_items=["abc"]
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def resource_rows(queryset, columns: list[str]) -> list[list[str]]:
    resource = ProductResource()
    dataset = resource.export(queryset=queryset, export_fields=columns)
    return [dataset.headers, *(list(row) for row in dataset)]


@pytest.mark.parametrize("how", ["filter", "selection"])
def test_csv_export_streams_the_resource_rows(superuser_client, how):
    low = ProductFactory(sku="LOW-1", name="+cmd", stock=1, low_stock_threshold=5)
    ProductFactory(sku="LOW-2", stock=2, low_stock_threshold=5)
    ProductFactory(sku="OK", stock=50)
    if how == "filter":
        response = export_post(
            superuser_client,
            "catalog_product",
            "productresource",
            PRODUCT_COLUMNS,
            query="?stock_state=low",
        )
        expected = Product.objects.filter(sku__startswith="LOW").order_by("-pk")
    else:
        response = export_post(
            superuser_client,
            "catalog_product",
            "productresource",
            PRODUCT_COLUMNS,
            export_items=[low.pk],
        )
        expected = Product.objects.filter(pk=low.pk)

    assert isinstance(response, StreamingHttpResponse)
    assert 'filename="Product-' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert sorted(rows[1:]) == sorted(resource_rows(expected, PRODUCT_COLUMNS)[1:])
    assert rows[0] == PRODUCT_COLUMNS
    assert len(rows) == (3 if how == "filter" else 2)
    assert [row[1] for row in rows if row[0] == "LOW-1"] == ["'+cmd"]


def test_xlsx_export_never_fails_on_control_characters_already_stored(superuser_client):
    # Stored before imports refused them (or by another writer): XLSX cannot hold C0
    # controls, so the export leaves them out instead of failing; CSV keeps them.
    from django.db import connection

    bad = "Bell\x07 and escape\x1b[0m"
    if connection.vendor == "sqlite":
        bad += " and NUL\x00"  # PostgreSQL itself refuses NUL in text
    ProductFactory(sku="CTRL-1", name=bad, description="tab\tand newline\nkept")

    response = export_post(
        superuser_client, "catalog_product", "productresource", PRODUCT_COLUMNS, XLSX_FORMAT
    )

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(body(response))).active
    row = [cell.value for cell in sheet[2]]
    assert row[1] == bad.replace("\x07", "").replace("\x1b", "").replace("\x00", "")
    assert row[PRODUCT_COLUMNS.index("description")] == "tab\tand newline\nkept"
    csv_response = export_post(superuser_client, "catalog_product", "productresource", ["name"])
    assert csv_rows(csv_response)[1] == [bad]
