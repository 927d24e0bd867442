"""SKUs are unique regardless of letter case (docs/architecture.md#skus), case kept as typed.

The database refuses a second SKU that differs only in case; import, the product form and
restore match SKUs that way, so `acc-001` updates `ACC-001`; migration 0007 refuses to run
over existing case-duplicates and lists them.
"""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from alerts import services as alert_services
from alerts.models import DeletionRecord
from backoffice.kit.importing.engine import file_import
from catalog.importers import ProductImporter
from catalog.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

CONSTRAINT = "catalog_product_sku_upper_uniq"
migration = importlib.import_module("catalog.migrations.0007_product_sku_unique_regardless_of_case")
# The check reads the database through its schema editor's connection only (the real one
# cannot open inside the test's transaction on SQLite).
SCHEMA_EDITOR = SimpleNamespace(connection=connection)


def import_products(*lines: str, dry_run: bool = False):
    data = "\n".join(["sku,name,price,stock", *lines]).encode()
    return file_import(importer=ProductImporter(), data=data, name="p.csv", dry_run=dry_run)


def test_the_database_refuses_a_sku_differing_only_in_case():
    ProductFactory(sku="ACC-001")
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.bulk_create([Product(sku="acc-001", name="x", price=1)])


def test_the_case_is_kept_as_typed_and_other_skus_are_fine():
    ProductFactory(sku="Acc-001")
    ProductFactory(sku="ACC-002")
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["ACC-002", "Acc-001"]
    assert Product.objects.sku_matches(" acc-001 ").get().sku == "Acc-001"


def test_an_import_updates_the_product_whose_sku_differs_in_case():
    product = ProductFactory(sku="ACC-001", name="Adapter", stock=3)
    report = import_products("acc-001,Adapter,9.90,40")
    assert report.written, report.errors
    assert (report.totals["new"], report.totals["update"]) == (0, 1)
    product.refresh_from_db()
    assert (product.sku, product.stock) == ("ACC-001", 40)  # the stored spelling stays
    assert Product.objects.count() == 1


def test_the_preview_counts_it_as_an_update_too():
    ProductFactory(sku="ACC-001", name="Adapter", stock=3)
    report = import_products("Acc-001,Adapter,9.90,3", dry_run=True)
    assert report.totals["skip"] == 1
    assert report.totals["new"] == 0


def test_a_file_with_one_sku_in_two_cases_is_refused():
    report = import_products("ACC-001,A,1.00,1", "acc-001,B,1.00,2")
    assert not report.written
    [error] = report.errors
    assert (error.row, error.value) == (3, "acc-001")
    assert "Duplicate: the same sku is on row 2." in str(error)
    assert not Product.objects.exists()


def test_the_product_form_refuses_a_sku_differing_only_in_case(superuser_client):
    ProductFactory(sku="ACC-001")
    response = superuser_client.post(
        reverse("admin:catalog_product_add"),
        {
            "sku": "acc-001",
            "name": "Copy",
            "description": "",
            "is_active": "on",
            "price": "1.00",
            "stock": "5",
            "low_stock_threshold": "5",
        },
    )
    assert response.status_code == 200
    assert "SKUs are unique regardless of case" in response.content.decode()
    assert Product.objects.count() == 1


def test_a_byte_order_mark_in_the_middle_of_a_file_makes_no_look_alike_product():
    # Two exports joined into one file: the second's byte-order mark starts a data line.
    # Not stripped by str.strip(), it made "\ufeffACC-001" beside ACC-001, looking the same.
    ProductFactory(sku="ACC-001", name="Adapter", stock=3)
    data = "sku,name,price,stock\nB-1,Bee,1.00,3\n\ufeffACC-001,Adapter,9.90,40\n".encode()
    report = file_import(importer=ProductImporter(), data=data, name="p.csv", dry_run=False)
    assert not report.written
    [error] = report.errors
    assert (error.row, error.column) == (3, "sku")
    assert "U+FEFF ZERO WIDTH NO-BREAK SPACE, at position 1" in str(error)
    assert "byte-order mark" in str(error)
    assert list(Product.objects.values_list("sku", "stock")) == [("ACC-001", 3)]


# Zero-width space, word joiner, right-to-left override, soft hyphen.
@pytest.mark.parametrize(
    "sku", ["ACC\u200b-001", "ACC-001\u2060", "\u202eACC-001", "ACC\u00ad-001"]
)
def test_invisible_characters_in_a_sku_are_refused_by_the_import_and_the_form(
    superuser_client, sku
):
    ProductFactory(sku="ACC-001")
    report = import_products(f"{sku},Copy,1.00,5")
    assert not report.written
    assert "The SKU holds an invisible character" in str(report.errors[0])
    response = superuser_client.post(
        reverse("admin:catalog_product_add"),
        {"sku": sku, "name": "Copy", "price": "1.00", "stock": "5", "low_stock_threshold": "5"},
    )
    assert response.status_code == 200
    assert "The SKU holds an invisible character" in response.content.decode()
    assert Product.objects.count() == 1


def test_restore_refuses_when_the_sku_returned_in_other_case(superuser):
    product = ProductFactory(sku="ACC-001")
    product.delete()
    ProductFactory(sku="acc-001")
    record = DeletionRecord.objects.get()
    with pytest.raises(Exception, match="SKUs are unique regardless of case") as raised:
        alert_services.deletion_record_restore(record=record, user=superuser)
    assert type(raised.value).__name__ == "ValidationError"
    assert list(Product.objects.values_list("sku", flat=True)) == ["acc-001"]


def test_lookups_by_sku_regardless_of_case_read_the_unique_index():
    ProductFactory(sku="ACC-001")
    assert CONSTRAINT in Product.objects.sku_matches("acc-001").explain()
    # The import's lookup of a chunk of keys: an index scan, never the whole table (an OR
    # with the exact keys made PostgreSQL scan it for every chunk).
    Product.objects.bulk_create(
        Product(sku=f"BULK-{n:05d}", name="n", price=1) for n in range(20_000)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE catalog_product")
    # A chunk is a small share of a large table (900 keys of 1M products: 0.1%).
    keys = [f"bulk-{n:05d}" for n in range(0, 20_000, 200)]
    assert CONSTRAINT in Product.objects.skus_matching(keys).order_by().explain()


def test_an_import_matches_non_ascii_skus_as_stored():
    product = ProductFactory(sku="CAFÉ-1", stock=3)
    report = import_products("CAFÉ-1,Café,9.90,7")
    assert report.written
    assert report.totals["update"] == 1
    product.refresh_from_db()
    assert product.stock == 7
    assert Product.objects.count() == 1


def drop_the_constraint_index() -> None:
    # DDL is transactional on both databases: the test's rollback restores the index.
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX "{CONSTRAINT}"')


def test_the_migration_refuses_to_run_over_case_duplicates_and_lists_them():
    drop_the_constraint_index()
    first = ProductFactory(sku="ACC-001")
    second = ProductFactory(sku="acc-001")
    third = ProductFactory(sku="Tea-9")
    fourth = ProductFactory(sku="TEA-9")
    ProductFactory(sku="UNIQUE-1")
    with pytest.raises(migration.CaseDuplicateSkus) as raised:
        migration.refuse_case_duplicates(apps, SCHEMA_EDITOR)
    message = str(raised.value)
    assert message.startswith("2 SKU(s) are used by several products in different letter case")
    assert f"ACC-001 (id {first.pk}), acc-001 (id {second.pk})" in message
    assert f"Tea-9 (id {third.pk}), TEA-9 (id {fourth.pk})" in message
    assert "UNIQUE-1" not in message


def test_the_migration_check_passes_without_case_duplicates():
    ProductFactory(sku="ACC-001")
    ProductFactory(sku="ACC-002")
    assert migration.refuse_case_duplicates(apps, SCHEMA_EDITOR) is None
