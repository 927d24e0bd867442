"""Issue 17 in a real browser: a supplier file whose headers are not ours goes through the
mapping step, preview and confirm, and the next upload is pre-filled with the same choice
(item 4); prices written with the shop's currency sign import with a note, another
currency is refused by name (item 2)."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from catalog.models import Product
from tests.e2e.test_import import upload_and_preview
from tests.factories import ProductFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SUPPLIER = (
    "Article number;Label;Qty;Unit price;Colour\n"
    "ACC-001;Digital scale 0.1 g;14;29,90;black\n"
    "JUG-350;Milk jug 350 ml;6;12,50;steel\n"
)


def test_a_supplier_file_is_mapped_previewed_and_imported_then_remembered(
    page, signed_in, tmp_path, screenshot
):
    signed_in(UserFactory(username="inventory", groups=["Inventory managers"]))
    ProductFactory(sku="ACC-001", name="Digital scale 0.1 g", stock=2, price=Decimal("29.90"))
    supplier = tmp_path / "supplier.csv"
    supplier.write_text(SUPPLIER, encoding="utf-8")

    upload_and_preview(page, "/admin/catalog/product/", supplier)

    mapping = page.locator("#import-mapping")
    expect(mapping.locator(".card-title")).to_have_text("Match the columns of supplier.csv")
    expect(mapping.locator(".import-mapping-origin")).to_have_text(
        "Pre-filled with the file's most similar column names; check each one."
    )
    expect(page.locator("select[name=map_sku]")).to_have_value("Article number")
    expect(page.locator("select[name=map_stock]")).to_have_value("Qty")
    expect(page.locator("select[name=map_price]")).to_have_value("Unit price")
    expect(page.locator("select[name=map_name]")).to_have_value("")
    screenshot(page, "import_mapping")
    # Leaving the required name unmapped is refused, naming the field.
    page.get_by_role("button", name="Preview with these columns").click()
    expect(page.locator(".import-mapping-name .import-mapping-error")).to_have_text(
        "name is required: choose the file's column that holds it."
    )
    page.locator("select[name=map_name]").select_option("Label")
    assert not Product.objects.filter(sku="JUG-350").exists()

    page.get_by_role("button", name="Preview with these columns").click()

    report = page.locator("#import-report")
    expect(report.locator(".card-title")).to_have_text("Preview")
    notes = report.locator(".import-notes")
    expect(notes).to_contain_text(
        "Read with your column mapping: 'Article number' as sku, 'Label' as name, "
        "'Unit price' as price, 'Qty' as stock."
    )
    expect(notes).to_contain_text("Ignored column 'Colour': no field of products is read from it.")
    expect(report.locator(".import-totals")).to_contain_text("1 new")
    expect(report.locator(".import-totals")).to_contain_text("1 updated")
    expect(page.locator("#remap-form")).to_contain_text("Match the columns differently")
    screenshot(page, "import_mapped_preview")
    page.get_by_role("button", name="Confirm import").click()

    expect(page).to_have_url("/admin/catalog/product/")
    expect(page.get_by_text("Import finished")).to_be_visible()
    assert sorted(Product.objects.values_list("sku", "stock", "price")) == [
        ("ACC-001", 14, Decimal("29.90")),
        ("JUG-350", 6, Decimal("12.50")),
    ]

    # The next upload of a file like it is pre-filled with the same choice, name included.
    upload_and_preview(page, "/admin/catalog/product/", supplier)
    expect(page.locator(".import-mapping-origin")).to_have_text(
        "Pre-filled with the columns you chose last time."
    )
    expect(page.locator("select[name=map_name]")).to_have_value("Label")
    expect(page.locator("select[name=map_sku]")).to_have_value("Article number")


def test_prices_with_the_shops_currency_sign_import_and_another_currency_is_refused(
    page, signed_in, tmp_path, settings
):
    settings.BACKOFFICE_CURRENCY = "EUR"
    signed_in(UserFactory(username="inventory", groups=["Inventory managers"]))
    signs = tmp_path / "signs.csv"
    signs.write_text("sku,name,price,stock\nEUR-1,Green tea,€4.50,3\nEUR-2,Jug,€12.90,1\n")
    comma = tmp_path / "comma.csv"
    comma.write_text("sku;name;price;stock\nEUR-3;Cup;12,90 €;2\n")
    dollars = tmp_path / "dollars.csv"
    dollars.write_text("sku,name,price,stock\nUSD-1,Import tea,$3.99,5\n")

    upload_and_preview(page, "/admin/catalog/product/", signs)
    notes = page.locator("#import-report .import-notes")
    expect(notes).to_contain_text("2 prices were written with the currency (€/EUR); read as euros.")
    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_text("Import finished")).to_be_visible()

    upload_and_preview(page, "/admin/catalog/product/", comma)
    expect(notes).to_contain_text("Read as semicolon-separated, decimal comma.")
    expect(notes).to_contain_text("1 price was written with the currency (€/EUR); read as euros.")
    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_text("Import finished")).to_be_visible()

    upload_and_preview(page, "/admin/catalog/product/", dollars)
    report = page.locator("#import-report")
    expect(report.locator(".card-title")).to_have_text("The file was rejected; nothing was written")
    expect(report.locator(".import-errors tbody tr td").nth(3)).to_have_text(
        "'$3.99' is in US dollars; this shop's prices are in euros."
    )
    expect(page.locator("#confirm-form")).to_have_count(0)

    assert sorted(Product.objects.values_list("sku", "price")) == [
        ("EUR-1", Decimal("4.50")),
        ("EUR-2", Decimal("12.90")),
        ("EUR-3", Decimal("12.90")),
    ]
