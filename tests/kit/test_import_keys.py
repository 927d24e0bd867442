"""The file's keys read before a real import writes (backoffice.kit.importing.keys), and
the product import locking every stored row it names in pk order before its first write."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.kit.importing.columns import header_layout, headers_read
from backoffice.kit.importing.engine import file_import
from backoffice.kit.importing.keys import file_key_chunks
from catalog.importers import ProductImporter
from catalog.models import Product
from tests.catalog.importing import PRODUCT_HEADER, csv_bytes
from tests.factories import ProductFactory


def chunks(data: bytes, size: int = 2, mapping: dict | None = None) -> list[list[str]]:
    importer = ProductImporter()
    importer.column_mapping = mapping or {}

    def key_position(header):
        layout = header_layout(
            header, model=Product, columns=ProductImporter.columns, refused={}, mapping=mapping
        )
        return layout.positions.get("sku")

    return list(
        file_key_chunks(
            data=data,
            file_format="csv",
            known=headers_read(importer, ProductImporter.column_names()),
            key_position=key_position,
            parse=ProductImporter.columns[0].parse,
            size=size,
        )
    )


def test_keys_come_in_chunks_as_the_column_parses_them():
    data = csv_bytes("name,sku,price,stock", "A, a-1 ,1,1", "B,b-2,1,1", "C,c-3,1,1")
    assert chunks(data) == [["a-1", "b-2"], ["c-3"]]


def test_a_mapped_key_column_is_read_where_the_mapping_says():
    data = csv_bytes("Article no,Title,Cost,Qty", "a-1,A,1,1", "b-2,B,1,1")
    mapping = {"sku": "Article no", "name": "Title", "price": "Cost", "stock": "Qty"}
    assert chunks(data, mapping=mapping) == [["a-1", "b-2"]]


def test_cells_the_import_refuses_are_left_out():
    data = csv_bytes(
        "sku,name,price,stock", ",empty key,1,1", f"{'x' * 65},too long,1,1", "ok,ok,1,1"
    )
    assert chunks(data) == [["ok"]]


@pytest.mark.parametrize(
    "data",
    [
        csv_bytes("sku,sku,name,price,stock", "a,a,a,1,1"),  # a column twice
        csv_bytes("name,price,stock", "a,1,1"),  # no key column
        b"\x00\x01 not text",
    ],
)
def test_a_file_the_import_refuses_yields_no_keys(data):
    assert chunks(data) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
def test_the_import_locks_every_named_product_in_pk_order_before_writing(monkeypatch):
    from backoffice.kit.importing import engine

    monkeypatch.setattr(engine.Importer, "chunk_size", 2)
    products = [ProductFactory(sku=f"ORDER-{n}", stock=1) for n in range(5)]
    lines = [f"{p.sku},{p.name},1.00,{7 + n},5,yes," for n, p in enumerate(reversed(products))]
    with CaptureQueriesContext(connection) as queries:
        report = file_import(
            importer=ProductImporter(),
            data=csv_bytes(PRODUCT_HEADER, *lines, "ORDER-NEW,new,1.00,3,5,yes,"),
            name="backwards.csv",
            dry_run=False,
        )
    assert report.written
    statements = [query["sql"] for query in queries.captured_queries]
    first_write = next(n for n, sql in enumerate(statements) if sql.startswith("UPDATE"))
    locks = [n for n, sql in enumerate(statements) if "FOR NO KEY UPDATE" in sql]
    # One lock of all five, in pk order, before the first write; the chunks' own locks
    # (the file's order) come after it and wait for nothing.
    assert locks[0] < first_write
    first_lock = statements[locks[0]]
    assert "ORDER BY" in first_lock
    assert f"IN ({', '.join(str(product.pk) for product in products)})" in first_lock
