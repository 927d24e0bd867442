"""The preview (dry run) writes nothing and reports exactly what the confirm then does."""

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail

from alerts.models import StockAlert
from backoffice.kit.importing.engine import file_import
from backoffice.kit.importing.report import ImportReport
from backoffice.management.commands.import_catalog import IMPORTERS
from catalog.importers import ProductImporter
from catalog.models import Article, Product
from tests.catalog.importing import csv_bytes
from tests.factories import ArticleFactory, ProductFactory, UserFactory


def snapshot() -> dict:
    """Every row an import could touch, as plain values."""
    return {
        "products": list(Product.objects.order_by("sku").values()),
        "articles": list(Article.objects.order_by("slug").values()),
        "users": list(User.objects.order_by("username").values()),
        "memberships": list(User.groups.through.objects.order_by("pk").values()),
        "alerts": list(StockAlert.objects.order_by("pk").values()),
    }


def run(kind: str, content: bytes, *, dry_run: bool) -> ImportReport:
    return file_import(importer=IMPORTERS[kind](), data=content, name="data.csv", dry_run=dry_run)


def seed() -> None:
    ProductFactory(sku="SAME", name="Same", stock=2, low_stock_threshold=5, description="")
    ProductFactory(sku="CHANGED", name="Changed", stock=40)
    author = UserFactory(username="jane")
    ArticleFactory(slug="same", title="Same", body="b", status="draft", author=author)
    ArticleFactory(slug="retitled", title="Old", author=author)
    Group.objects.create(name="Packers")
    UserFactory(username="kept", email="kept@shop.example", first_name="", last_name="")
    UserFactory(username="moved", email="moved@shop.example")


FILES = {
    "products": csv_bytes(
        "sku,name,price,stock,low_stock_threshold,description",
        "SAME,Same,9.90,2,5,",
        "CHANGED,Changed,9.90,3,5,",
        "NEW-1,New one,1.50,0,5,",
        "NEW-2,New two,2.50,80,5,",
    ),
    "articles": csv_bytes(
        "slug,title,body,status,author",
        "same,Same,b,draft,jane",
        "retitled,New title,Body text.,draft,jane",
        "fresh,Fresh,text,published,jane",
    ),
    "users": csv_bytes(
        "username,email,first_name,last_name,groups",
        "kept,kept@shop.example,,,",
        "moved,moved@shop.example,,,Packers",
        "newbie,new@shop.example,New,Bie,Packers",
    ),
}
EXPECTED = {
    "products": {"new": 2, "update": 1, "skip": 1, "invalid": 0},
    "articles": {"new": 1, "update": 1, "skip": 1, "invalid": 0},
    "users": {"new": 1, "update": 1, "skip": 1, "invalid": 0},
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(FILES))
def test_preview_writes_nothing_and_its_totals_are_what_the_confirm_does(kind):
    seed()
    before = snapshot()

    preview = run(kind, FILES[kind], dry_run=True)

    assert not preview.has_errors, preview.errors
    assert not preview.written
    assert snapshot() == before
    assert mail.outbox == []
    confirm = run(kind, FILES[kind], dry_run=False)
    assert confirm.written
    assert preview.totals == confirm.totals == EXPECTED[kind]
    assert {kind: [s.key for s in samples] for kind, samples in preview.samples.items()} == {
        kind: [s.key for s in samples] for kind, samples in confirm.samples.items()
    }
    # The confirm really did it: importing the same file again changes nothing.
    again = run(kind, FILES[kind], dry_run=True)
    assert again.totals == {
        "new": 0,
        "update": 0,
        "skip": sum(EXPECTED[kind].values()),
        "invalid": 0,
    }


@pytest.mark.django_db
def test_preview_of_a_rejected_file_reports_the_same_errors_as_the_confirm():
    seed()
    content = csv_bytes(
        "sku,name,price,stock", "OK,Fine,1,1", "BAD,Bad,-1,1", "OK,Again,1,1", "X,x,1,many"
    )
    before = snapshot()

    preview = run("products", content, dry_run=True)
    confirm = run("products", content, dry_run=False)

    assert [str(e) for e in preview.errors] == [str(e) for e in confirm.errors]
    assert [str(e) for e in confirm.errors] == [
        "Row 3, column 'price', value '-1': Must be 0 or more.",
        "Row 4, column 'sku', value 'OK': Duplicate: the same sku is on row 2.",
        "Row 5, column 'stock', value 'many': Enter a whole number, e.g. 12.",
    ]
    assert preview.totals == confirm.totals
    assert not confirm.written
    assert snapshot() == before


@pytest.mark.django_db
def test_a_sku_inserted_concurrently_is_refused_by_the_database_and_nothing_is_written():
    # The preview counted NEW as new; between the confirm's lookup and its INSERT another
    # process adds the same SKU. The unique constraint refuses it: the whole file rolls back.
    content = csv_bytes("sku,name,price,stock", "FIRST,First,1,0", "NEW,New,1,0")
    assert run("products", content, dry_run=True).totals["new"] == 2
    original = ProductImporter.prepare

    def racing_prepare(self, rows, report):
        Product.objects.create(sku="NEW", name="Theirs", price=1, stock=7)
        return original(self, rows, report)

    ProductImporter.prepare = racing_prepare
    try:
        report = run("products", content, dry_run=False)
    finally:
        ProductImporter.prepare = original

    assert not report.written
    assert "The database refused the file" in str(report.errors[0])
    assert not Product.objects.filter(sku="FIRST").exists()


@pytest.mark.django_db
def test_query_counts_of_preview_and_confirm_do_not_grow_with_rows(
    django_assert_max_num_queries,
):
    content = csv_bytes("sku,name,price,stock", *[f"S-{n},n,1,{n % 9}" for n in range(1200)])
    # Preview: one lookup per 500-row chunk (3) inside a savepoint (3), and nothing else.
    with django_assert_max_num_queries(6):
        preview = run("products", content, dry_run=True)
    # Confirm: per chunk a lookup, one INSERT (executemany) and an id lookup (9); then the
    # set-wise alert sync (its alert INSERTs are batched) and the savepoints: 27 here,
    # against thousands for row-by-row saves. On SQLite the name index adds 7: reading,
    # dropping and re-creating its two triggers, and one INSERT ... SELECT of the names.
    with django_assert_max_num_queries(34):
        confirm = run("products", content, dry_run=False)
    assert preview.totals == confirm.totals == {"new": 1200, "update": 0, "skip": 0, "invalid": 0}
    assert Product.objects.count() == 1200
    assert StockAlert.objects.count() == Product.objects.low_on_stock().count() > 0
