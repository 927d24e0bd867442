"""SQLite's trigram name index stays exact when products are imported in bulk.

The import indexes the names it wrote in set-wise statements, with the index's insert and
update triggers dropped for the time (catalog.search.product_name_index_bulk_writes). FTS5's
integrity check with rank=1 compares the index with the product table row by row.
"""

import pytest
from django.db import DatabaseError, connection, transaction

from backoffice.kit.importing.report import ImportReport
from catalog import search
from catalog.importers import ProductImporter
from catalog.models import Product
from tests.catalog.importing import csv_bytes
from tests.factories import ProductFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 name index"),
]


def assert_name_index_matches_the_products() -> None:
    with connection.cursor() as cursor:
        # Raises "database disk image is malformed" when an entry is missing or stale.
        cursor.execute(
            f"INSERT INTO {search.NAME_TRIGRAM_TABLE}({search.NAME_TRIGRAM_TABLE}, rank)"
            " VALUES ('integrity-check', 1)"
        )
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            f" AND name LIKE '{search.NAME_TRIGRAM_TABLE}_%' ORDER BY name"
        )
        assert [name for (name,) in cursor.fetchall()] == [
            "catalog_product_name_fts_delete",
            *search.NAME_INDEX_WRITE_TRIGGERS,
        ]


def found(term: str) -> list[str]:
    return list(
        search.products_search(queryset=Product.objects.all(), search_term=term).values_list(
            "sku", flat=True
        )
    )


def import_products(*lines: str) -> ImportReport:
    content = csv_bytes("sku,name,price,stock", *lines)
    return ProductImporter().run(data=content, file_format="csv", dry_run=False)


def test_imported_and_renamed_products_are_indexed_by_their_names():
    ProductFactory(sku="OLD-1", name="Darjeeling first flush")
    ProductFactory(sku="OLD-2", name="Assam breakfast")
    # 1,100 new rows: more than one chunk and more ids than one IN (...) list holds.
    report = import_products(
        "OLD-1,Nilgiri frost,1,5",
        "OLD-2,Assam breakfast,1,7",
        *[f"NEW-{n:04d},Sencha harvest {n},1,9" for n in range(1100)],
    )
    assert report.written
    assert report.totals["new"] == 1100
    assert report.totals["update"] == 2
    assert_name_index_matches_the_products()
    assert found("Nilgiri") == ["OLD-1"]
    assert found("Darjeeling") == []
    assert found("Assam") == ["OLD-2"]
    assert len(found('"harvest 10"')) == 111  # 10, 100-109, 1000-1099
    assert found("harvest 1099") == ["NEW-1099"]


def test_a_rolled_back_import_leaves_the_index_and_its_triggers_as_they_were():
    ProductFactory(sku="KEEP", name="Keemun")
    report = import_products("KEEP,Keemun,1,5", "BAD-1,Oolong,1,5", "KEEP,Twice,1,1")
    assert not report.written  # the duplicate SKU rejects the file
    assert_name_index_matches_the_products()
    # The triggers are back: a product saved afterwards is indexed at once.
    ProductFactory(sku="LATER", name="Genmaicha")
    assert found("Genmaicha") == ["LATER"]
    assert_name_index_matches_the_products()


def test_an_error_inside_the_block_rolls_the_flag_back_with_the_transaction():
    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        search.product_name_index_bulk_writes(),
        connection.cursor() as cursor,
    ):
        cursor.execute("INSERT INTO no_such_table VALUES (1)")
    ProductFactory(sku="AFTER", name="Hojicha")
    assert found("Hojicha") == ["AFTER"]
    assert_name_index_matches_the_products()


def test_the_block_needs_a_transaction():
    with (
        pytest.raises(RuntimeError, match="needs a transaction"),
        search.product_name_index_bulk_writes(),
    ):
        pass


def test_after_an_error_caught_inside_the_transaction_the_triggers_are_back():
    with transaction.atomic():
        with (
            pytest.raises(DatabaseError),
            search.product_name_index_bulk_writes(),
            transaction.atomic(),  # a savepoint, rolled back; the outer transaction goes on
            connection.cursor() as cursor,
        ):
            cursor.execute("INSERT INTO no_such_table VALUES (1)")
        ProductFactory(sku="SAME-TX", name="Kukicha")
    assert found("Kukicha") == ["SAME-TX"]
    assert_name_index_matches_the_products()
