"""Product, article and user imports through the admin's two steps (preview, confirm)."""

import io
import os
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.db import DatabaseError, transaction
from django.urls import reverse
from openpyxl import Workbook

from backoffice.kit.importing.report import SAMPLES_PER_KIND
from backoffice.kit.importing.storage import UPLOAD_FOLDER
from catalog.importers import ProductImporter
from catalog.models import Article, Product
from catalog.signals import products_bulk_changed
from tests.catalog.importing import (
    PRODUCT_HEADER,
    confirm,
    csv_bytes,
    import_through_admin,
    preview,
    report_text,
)
from tests.factories import ArticleFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.usefixtures("upload_media")


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- products --------------------------------------------------------------------------


def test_product_preview_counts_and_writes_nothing_then_confirm_writes(
    admin_client_for, upload_media
):
    client = admin_client_for("Inventory managers")
    ProductFactory(sku="OLD-1", name="Old", price=Decimal("1.00"), stock=10)
    ProductFactory(sku="SAME-1", name="Same", price=Decimal("2.00"), stock=7)
    content = csv_bytes(
        "sku,name,price,stock",
        "NEW-1,Brand new,3.50,4",
        "OLD-1,Old,1.00,12",
        "SAME-1,Same,2.00,7",
    )

    response = preview(client, "catalog_product", content)

    report = response.context["report"]
    assert report.totals == {"new": 1, "update": 1, "skip": 1, "invalid": 0}
    assert "stock: 10 → 12" in report.samples["update"][0].details
    assert not Product.objects.filter(sku="NEW-1").exists()
    assert Product.objects.get(sku="OLD-1").stock == 10
    assert len(list((upload_media / UPLOAD_FOLDER).iterdir())) == 1

    result = confirm(client, "catalog_product", response)

    assert result.status_code == 302
    assert result.url == reverse("admin:catalog_product_changelist")
    assert Product.objects.get(sku="NEW-1").price == Decimal("3.50")
    assert Product.objects.get(sku="OLD-1").stock == 12
    messages = [str(m) for m in result.wsgi_request._messages]
    assert messages == ["Import finished: 1 new, 1 updated, 1 unchanged, 0 invalid products."]
    # The upload is removed once imported.
    assert list((upload_media / UPLOAD_FOLDER).iterdir()) == []


@pytest.mark.parametrize(
    "rows", [["NEW-1,Brand new,3.50,4"], ["NEW-1,Brand new,not a price,4"]], ids=["ok", "errors"]
)
def test_the_preview_and_its_confirm_come_before_the_form_for_another_file(admin_client_for, rows):
    # Seen in the browser: the report sat under the upload form, so a rejected file's errors
    # and a good one's totals needed scrolling to.
    client = admin_client_for("Inventory managers")

    page = preview(client, "catalog_product", csv_bytes("sku,name,price,stock", *rows))

    html = page.content.decode()
    assert html.index('id="import-report"') < html.index('id="import-form"')
    if page.context["report"].has_errors:
        assert 'id="confirm-form"' not in html
    else:
        assert html.index('id="import-report"') < html.index('id="confirm-form"')
        assert html.index('id="confirm-form"') < html.index('id="import-form"')


def test_unchanged_rows_are_not_rewritten(superuser_client):
    product = ProductFactory(sku="SAME-1", name="Same", price=Decimal("2.00"), stock=7)
    before = Product.objects.get(pk=product.pk).updated_at

    import_through_admin(
        superuser_client, "catalog_product", csv_bytes("sku,name,price,stock", "SAME-1,Same,2,7")
    )

    assert Product.objects.get(pk=product.pk).updated_at == before


def test_updated_rows_get_a_new_updated_at(superuser_client):
    # bulk_update skips auto_now fields; the importer stamps them itself.
    product = ProductFactory(sku="OLD-1", name="Old", price=Decimal("2.00"), stock=7)
    article = ArticleFactory(slug="old-article", title="Old")
    long_ago = product.updated_at - timedelta(days=3)
    Product.objects.filter(pk=product.pk).update(updated_at=long_ago)
    Article.objects.filter(pk=article.pk).update(updated_at=long_ago)
    import_through_admin(
        superuser_client, "catalog_product", csv_bytes("sku,name,price,stock", "OLD-1,Old,2,9")
    )
    import_through_admin(
        superuser_client, "catalog_article", csv_bytes("slug,title", "old-article,New title")
    )
    assert Product.objects.get(pk=product.pk).updated_at > long_ago
    assert Article.objects.get(pk=article.pk).updated_at > long_ago
    assert Article.objects.get(pk=article.pk).title == "New title"


def test_preview_of_many_rows_shows_totals_and_a_few_samples(superuser_client):
    rows = [f"SKU-{n},Name {n},1.00,{n}" for n in range(1200)]

    response = preview(
        superuser_client, "catalog_product", csv_bytes("sku,name,price,stock", *rows)
    )

    report = response.context["report"]
    assert report.totals["new"] == 1200
    assert len(report.samples["new"]) == SAMPLES_PER_KIND
    page = response.content.decode()
    assert "1200 new" in page
    assert "SKU-11," not in page
    assert "SKU-1199" not in page


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (csv_bytes(PRODUCT_HEADER, 'Q-1,"Quoted, comma",1.00,3,5,yes,"two\nlines"'), "p.csv"),
        (
            csv_bytes(PRODUCT_HEADER, 'Q-1,"Quoted, comma",1.00,3,5,yes,"two\nlines"', bom=True),
            "p.csv",
        ),
        (
            csv_bytes(
                PRODUCT_HEADER, 'Q-1,"Quoted, comma",1.00,3,5,yes,"two\nlines"', newline="\r\n"
            ),
            "p.csv",
        ),
        (
            xlsx_bytes(
                [PRODUCT_HEADER.split(","), ["Q-1", "Quoted, comma", 1, 3, 5, True, "two\nlines"]]
            ),
            "p.xlsx",
        ),
    ],
    ids=["utf8", "bom", "crlf", "xlsx"],
)
def test_supported_file_variants_import(superuser_client, content, name):
    import_through_admin(superuser_client, "catalog_product", content, name)

    product = Product.objects.get(sku="Q-1")
    assert (product.name, product.price, product.stock, product.is_active) == (
        "Quoted, comma",
        Decimal("1.00"),
        3,
        True,
    )
    assert product.description in ("two\nlines", "two\r\nlines")


# --- bad input: the whole file is rejected, named row/column/value, nothing written ----

BAD_ROWS = [
    (
        "sku,name,price,stock\nA-1,Apple,1.00,lots\n",
        "Row 2, column 'stock', value 'lots': Enter a whole number",
    ),
    (
        "sku,name,price,stock\nA-1,Apple,1.00,-3\n",
        "Row 2, column 'stock', value '-3': Must be 0 or more.",
    ),
    (
        "sku,name,price,stock\nA-1,Apple,-1,3\n",
        "Row 2, column 'price', value '-1': Must be 0 or more.",
    ),
    (
        "sku,name,price,stock\nA-1,Apple,cheap,3\n",
        "Row 2, column 'price', value 'cheap': Enter a number",
    ),
    (
        "sku,name,price,stock\nA-1,Apple,1.005,3\n",
        "Row 2, column 'price', value '1.005': At most 2 decimal places.",
    ),
    (
        "sku,name,price,stock\nA-1,Apple,1,3\nA-1,Again,2,4\n",
        "Row 3, column 'sku', value 'A-1': Duplicate: the same sku is on row 2.",
    ),
    ("sku,name,price\nA-1,Apple,1\n", "Missing required column(s): stock."),
    (
        "sku,name,price,stock,is_active\nA-1,Apple,1,3,maybe\n",
        "Row 2, column 'is_active', value 'maybe': Enter true or false",
    ),
    (
        "sku,name,price,stock\n,Apple,1,3\n",
        "Row 2, column 'sku', value '': This value is required.",
    ),
]


@pytest.mark.parametrize(("content", "message"), BAD_ROWS)
def test_invalid_product_file_is_rejected_with_a_precise_message(
    superuser_client, content, message
):
    ProductFactory(sku="KEEP", stock=9)
    # A valid change to an existing product in the same file must not be written either.
    content += "KEEP,Kept,1,1\n"

    response = preview(superuser_client, "catalog_product", content.encode())

    assert message in report_text(response)
    assert "confirm_form" not in response.context
    assert "nothing was written" in response.content.decode()
    assert "ConversionSyntax" not in response.content.decode()
    assert list(Product.objects.values_list("sku", "stock")) == [("KEEP", 9)]


def test_an_extra_column_is_ignored_with_a_note_instead_of_rejecting_the_file(superuser_client):
    # Issue 17, item 4: "Unknown column 'colour'" rejected the whole file until then.
    content = csv_bytes("sku,name,price,stock,Colour", "A-1,Apple,1,3,red")

    response = preview(superuser_client, "catalog_product", content)

    report = response.context["report"]
    assert report.error_count == 0
    assert "Ignored column 'Colour': no field of products is read from it." in report.notes
    assert "Ignored column &#x27;Colour&#x27;" in response.content.decode()
    confirm(superuser_client, "catalog_product", response)
    assert list(Product.objects.values_list("sku", "stock")) == [("A-1", 3)]


def test_headers_written_as_the_fields_verbose_names_in_any_case_are_ours(superuser_client):
    content = csv_bytes("SKU,NAME,Price,stock,Active", "A-1,Apple,1,3,no")

    response = preview(superuser_client, "catalog_product", content)

    assert response.context["report"].notes == ["Read as comma-separated."]
    assert "mapping_form" not in response.context
    confirm(superuser_client, "catalog_product", response)
    assert list(Product.objects.values_list("sku", "is_active")) == [("A-1", False)]


def test_the_same_column_twice_is_still_refused(superuser_client):
    response = preview(superuser_client, "catalog_product", csv_bytes("sku,name,price,stock,Stock"))

    assert "Column 'stock' appears more than once." in report_text(response)


def test_a_column_and_its_verbose_name_together_are_refused(superuser_client):
    content = csv_bytes("sku,name,price,stock,is_active,Active", "A-1,a,1,1,yes,no")

    response = preview(superuser_client, "catalog_product", content)

    assert "Columns 'is_active' and 'Active' both hold is_active; keep one." in report_text(
        response
    )


def test_errors_on_several_rows_are_all_listed(superuser_client):
    content = csv_bytes("sku,name,price,stock", "A,a,1,x", "B,b,1,2", "C,c,y,3")

    response = preview(superuser_client, "catalog_product", content)

    assert response.context["report"].error_count == 2
    assert response.context["report"].totals["invalid"] == 2
    assert "Row 4, column 'price', value 'y'" in report_text(response)
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "is empty"),
        (b"sku,name,price,stock\n", "header.csv", "header row but no data rows"),
        (b"sku,name,price,stock\nA,Caf\xe9,1,2\nB,\x81,1,2\n", "odd.csv", "neither UTF-8 nor"),
        (b"%PDF-1.4 binary", "manual.pdf", "not a CSV or XLSX file"),
        (b"PK\x03\x04not really a zip", "broken.xlsx", "not a valid XLSX file"),
        (xlsx_bytes([["sku"]]), "actually-xlsx.csv", "looks like XLSX"),
    ],
)
def test_unreadable_files_get_a_clear_message(superuser_client, content, name, message):
    response = preview(superuser_client, "catalog_product", content, name)

    page = response.content.decode()
    assert message in page
    if "UTF-8" in message:
        assert "Accepted encodings: UTF-8" in page
        assert "line 3" in page
    assert not Product.objects.exists()


def test_file_over_the_size_limit_is_refused(superuser_client, settings):
    settings.BACKOFFICE_IMPORT_MAX_BYTES = 100
    content = csv_bytes("sku,name,price,stock", *[f"S-{n},n,1,1" for n in range(20)])

    response = preview(superuser_client, "catalog_product", content)

    assert "the limit is 0.0 MB" in response.content.decode()
    assert "confirm_form" not in response.context
    assert not Product.objects.exists()


def test_a_row_failing_at_confirm_rolls_back_and_the_result_page_says_so(superuser_client):
    response = preview(
        superuser_client, "catalog_product", csv_bytes("sku,name,price,stock", "A,a,1,2", "B,b,1,3")
    )
    # Between preview and confirm someone creates a user-visible conflict: the database
    # refuses the second product at confirm time.
    ProductFactory(sku="A", stock=5)
    original = ProductImporter.write

    def failing_write(self, created, updated, fields):
        original(self, created, updated, fields)
        raise DatabaseError("simulated failure half-way")

    ProductImporter.write = failing_write
    try:
        result = confirm(superuser_client, "catalog_product", response)
    finally:
        ProductImporter.write = original

    assert result.status_code == 200
    page = result.content.decode()
    assert "Import failed: nothing was written." in page
    assert "Import finished" not in page
    # The database's own text goes to the log, never to the page (issue 12.8).
    assert "The database refused the file; nothing was written." in page
    assert "simulated failure half-way" not in page
    assert "This field is required" not in page  # a fresh upload form, not a bound one
    assert list(Product.objects.values_list("sku", "stock")) == [("A", 5)]
    from django.contrib.admin.models import LogEntry

    assert not LogEntry.objects.exists()


def test_dry_run_rolls_back_and_sends_no_email(
    superuser_client, django_capture_on_commit_callbacks
):
    def email_on_commit(sender, product_ids, **kwargs):
        transaction.on_commit(lambda: mail.send_mail("low stock", "x", None, ["ops@shop.example"]))

    products_bulk_changed.connect(email_on_commit, dispatch_uid="test-email-on-commit")
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = preview(
                superuser_client, "catalog_product", csv_bytes("sku,name,price,stock", "A,a,1,0")
            )
        assert response.context["report"].totals["new"] == 1
        assert callbacks == []
        assert mail.outbox == []
        assert not Product.objects.exists()

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            confirm(superuser_client, "catalog_product", response)
        assert "low stock" in [message.subject for message in mail.outbox]  # the real one does
    finally:
        products_bulk_changed.disconnect(dispatch_uid="test-email-on-commit")


def test_expired_upload_at_confirm_is_reported(superuser_client, upload_media):
    response = preview(
        superuser_client, "catalog_product", csv_bytes("sku,name,price,stock", "A,a,1,2")
    )
    for path in (upload_media / UPLOAD_FOLDER).iterdir():
        path.unlink()

    result = confirm(superuser_client, "catalog_product", response)

    assert result.status_code == 302
    assert "expired" in str(next(iter(result.wsgi_request._messages)))
    assert not Product.objects.exists()


def test_import_query_count_does_not_grow_with_rows(
    superuser_client, django_assert_max_num_queries
):
    rows = [f"S-{n},n,1,{n % 9}" for n in range(400)]
    # One lookup, a few INSERT batches (SQLite caps parameters per statement), the alert
    # sync, plus the admin's session/user/permission queries: constant, not per row.
    with django_assert_max_num_queries(40):
        response = preview(
            superuser_client, "catalog_product", csv_bytes("sku,name,price,stock", *rows)
        )
    assert response.context["report"].totals["new"] == 400


# --- articles --------------------------------------------------------------------------


def test_article_import_upserts_by_slug_with_author_and_stamps_published(superuser_client):
    author = UserFactory(username="jane")
    existing = ArticleFactory(slug="hello", title="Old title", author=None)
    content = csv_bytes(
        "slug,title,body,status,author,published_at",
        "hello,New title,Body,draft,jane,",
        "fresh,Fresh,Text,published,jane,",
        "dated,Dated,Text,published,,2025-01-02 10:00",
    )

    import_through_admin(superuser_client, "catalog_article", content)

    existing.refresh_from_db()
    assert (existing.title, existing.author) == ("New title", author)
    fresh = Article.objects.get(slug="fresh")
    assert fresh.published_at is not None
    assert fresh.author == author
    assert Article.objects.get(slug="dated").published_at.isoformat() == "2025-01-02T10:00:00+00:00"


def test_article_with_unknown_author_rejects_the_file(superuser_client):
    content = csv_bytes("slug,title,author", "a,A,nobody", "b,B,")

    response = preview(superuser_client, "catalog_article", content)

    assert "Row 2, column 'author', value 'nobody': No user has this username." in report_text(
        response
    )
    assert not Article.objects.exists()


# --- users -----------------------------------------------------------------------------


def test_user_import_sets_groups_unusable_password_and_never_superuser(superuser_client):
    content = csv_bytes(
        "username,email,first_name,last_name,is_active,is_staff,groups",
        'ann,ann@shop.example,Ann,Lee,true,true,"Editors,Viewers"',
    )

    import_through_admin(superuser_client, "auth_user", content)

    ann = User.objects.get(username="ann")
    assert not ann.has_usable_password()
    assert not ann.is_superuser
    assert ann.is_staff
    assert sorted(ann.groups.values_list("name", flat=True)) == ["Editors", "Viewers"]


def test_user_import_refuses_superuser_column_and_unknown_group(superuser_client):
    response = preview(
        superuser_client, "auth_user", csv_bytes("username,is_superuser", "eve,true")
    )
    assert "Column 'is_superuser' cannot be imported" in report_text(response)

    response = preview(superuser_client, "auth_user", csv_bytes("username,groups", "eve,Wizards"))
    assert "Row 2, column 'groups', value 'Wizards': No group has this name." in report_text(
        response
    )
    assert not User.objects.filter(username="eve").exists()


def test_user_admin_cannot_import_into_groups_its_role_does_not_assign(admin_client_for):
    client = admin_client_for("User admins")
    UserFactory(username="bob", groups=["User admins"])

    response = preview(client, "auth_user", csv_bytes("username,groups", "carl,User admins"))
    assert "value 'User admins': You cannot add anyone to the group \"User admins\"" in report_text(
        response
    )

    # bob is another User admin: not theirs to change.
    response = preview(client, "auth_user", csv_bytes("username,groups", "bob,"))
    assert "value 'bob': This user is in \"User admins\"" in report_text(response)

    response = preview(client, "auth_user", csv_bytes("username,email", "root,x@shop.example"))
    # "root" does not exist yet here: a new user is fine; an existing superuser is not.
    assert response.context["report"].error_count == 0
    UserFactory(username="boss", is_superuser=True)
    response = preview(client, "auth_user", csv_bytes("username,email", "boss,x@shop.example"))
    assert "This user is a superuser" in report_text(response)
    assert Group.objects.get(name="User admins").user_set.count() == 2


def test_user_admin_imports_into_the_shop_roles_only(admin_client_for):
    client = admin_client_for("User admins")
    Group.objects.create(name="Nobody special")

    response = preview(client, "auth_user", csv_bytes("username,groups", "dana,Nobody special"))
    assert "your role does not assign it" in report_text(response)
    import_through_admin(client, "auth_user", csv_bytes("username,groups", "dana,Viewers"))

    assert list(User.objects.get(username="dana").groups.values_list("name", flat=True)) == [
        "Viewers"
    ]


def test_a_new_upload_purges_abandoned_ones(superuser_client, upload_media):
    preview(superuser_client, "catalog_product", csv_bytes("sku,name,price,stock", "A,a,1,2"))
    (abandoned,) = (upload_media / UPLOAD_FOLDER).iterdir()
    two_days_ago = time.time() - 48 * 3600
    os.utime(abandoned, (two_days_ago, two_days_ago))

    preview(superuser_client, "catalog_product", csv_bytes("sku,name,price,stock", "B,b,1,2"))

    remaining = list((upload_media / UPLOAD_FOLDER).iterdir())
    assert len(remaining) == 1
    assert abandoned not in remaining


def test_malformed_csv_is_reported_not_a_server_error(superuser_client):
    content = b"sku,name,price,stock\nA,a,1,2\n" + b'B,"' + b"x" * 200_000 + b'",1,2\n'

    response = preview(superuser_client, "catalog_product", content)

    assert response.status_code == 200
    assert "The CSV file cannot be read: field larger than field limit" in report_text(response)
    assert not Product.objects.exists()
