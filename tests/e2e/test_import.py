"""Bulk CSV import in a real browser: preview, confirm, result; a bad row; articles."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from catalog.models import Article, Product
from tests.factories import ProductFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def upload_and_preview(page, changelist_url: str, csv_path: Path) -> None:
    page.goto(changelist_url)
    page.locator("a.import_link").click()  # import-export's button on the changelist
    page.locator("input[name=import_file]").set_input_files(csv_path)
    page.get_by_role("button", name="Upload and preview").click()


def test_inventory_manager_imports_products_and_sees_new_alerts(page, signed_in, screenshot):
    signed_in(UserFactory(username="inventory", groups=["Inventory managers"]))
    ProductFactory(sku="ACC-001", name="Digital scale 0.1 g", description="Old text.")

    upload_and_preview(page, "/admin/catalog/product/", FIXTURES / "sample_products.csv")

    report = page.locator("#import-report")
    expect(report.locator(".card-title")).to_have_text("Preview")
    expect(report.locator(".import-totals")).to_contain_text("9 new")
    expect(report.locator(".import-totals")).to_contain_text("1 updated")
    expect(report.locator(".import-totals")).to_contain_text("0 invalid")
    expect(report.locator(".import-samples-update")).to_contain_text("ACC-001")
    assert Product.objects.count() == 1, "the preview wrote nothing"
    screenshot(page, "import_preview")

    page.get_by_role("button", name="Confirm import").click()

    expect(page).to_have_url("/admin/catalog/product/")
    expect(page.get_by_text("Import finished")).to_be_visible()
    expect(page.locator("#result_list")).to_contain_text("COF-010")
    # Each SKU stays on one line (an inline element that wraps has several client rects).
    line_counts = page.locator("#result_list .field-sku a").evaluate_all(
        "links => links.map(link => link.getClientRects().length)"
    )
    assert line_counts == [1] * 10
    assert Product.objects.count() == 10
    assert Product.objects.get(sku="ACC-001").description.startswith("Updated description")
    screenshot(page, "import_result")

    # The three new products below their threshold are on the dashboard, most urgent first.
    page.goto("/admin/")
    expect(page.locator("#count-unresolved-alerts h3")).to_have_text("3")
    expect(page.locator("#count-out-of-stock h3")).to_have_text("1")
    skus = page.locator("#open-alerts tbody tr td:first-child").all_inner_texts()
    assert skus[0] == "BRW-010"  # stock 0
    assert sorted(skus) == ["BRW-010", "COF-010", "TEA-008"]


def test_file_with_a_bad_row_shows_the_row_and_changes_nothing(
    page, signed_in, tmp_path, screenshot
):
    signed_in(UserFactory(username="inventory", groups=["Inventory managers"]))
    ProductFactory(sku="ACC-001", name="Digital scale 0.1 g", stock=18)
    bad_file = tmp_path / "bad_products.csv"
    bad_file.write_text(
        "sku,name,price,stock\nACC-001,Digital scale 0.1 g,29.90,3\nNEW-001,A new product,5.00,-4\n"
    )

    upload_and_preview(page, "/admin/catalog/product/", bad_file)

    report = page.locator("#import-report")
    expect(report.locator(".card-title")).to_have_text("The file was rejected; nothing was written")
    error_row = report.locator(".import-errors tbody tr")
    expect(error_row).to_have_count(1)
    expect(error_row.locator("td").nth(0)).to_have_text("3")
    expect(error_row.locator("td").nth(1)).to_have_text("stock")
    expect(error_row.locator("td").nth(2)).to_have_text("-4")
    expect(page.locator("#confirm-form")).to_have_count(0)
    screenshot(page, "import_errors")

    assert list(Product.objects.values_list("sku", "stock")) == [("ACC-001", 18)]


def test_editor_imports_articles(page, signed_in):
    editor = UserFactory(username="editor", groups=["Editors"])
    signed_in(editor)
    # Editors only view products: no import button there.
    page.goto("/admin/catalog/product/")
    expect(page.locator("#changelist")).to_be_visible()
    expect(page.locator("a.import_link")).to_have_count(0)

    upload_and_preview(page, "/admin/catalog/article/", FIXTURES / "sample_articles.csv")

    expect(page.locator("#import-report .import-totals")).to_contain_text("3 new")
    page.get_by_role("button", name="Confirm import").click()

    expect(page).to_have_url("/admin/catalog/article/")
    expect(page.get_by_text("Import finished")).to_be_visible()
    expect(page.locator("#result_list")).to_contain_text("Brewing with a Chemex")
    assert set(Article.objects.values_list("slug", "author__username")) == {
        ("brewing-with-a-chemex", "editor"),
        ("oolong-explained", "editor"),
        ("how-to-dial-in-your-espresso", "editor"),
    }


def test_semicolon_file_with_decimal_commas_from_european_excel(page, signed_in, tmp_path):
    signed_in(UserFactory(username="inventory", groups=["Inventory managers"]))
    european = tmp_path / "artikel.csv"
    european.write_bytes(
        "sku;name;price;stock\nTEA-1;Kräutertee;12,50;3\nTEA-2;Grüntee;1.249,00;40\n".encode(
            "cp1252"
        )
    )

    upload_and_preview(page, "/admin/catalog/product/", european)

    report = page.locator("#import-report")
    expect(report.locator(".card-title")).to_have_text("Preview")
    expect(report.locator(".import-notes")).to_contain_text(
        "Read as semicolon-separated, decimal comma."
    )
    expect(report.locator(".import-notes")).to_contain_text("read as Windows-1252 (Latin-1)")
    expect(report.locator(".import-totals")).to_contain_text("2 new")
    page.get_by_role("button", name="Confirm import").click()

    expect(page.get_by_text("Import finished")).to_be_visible()
    assert str(Product.objects.get(sku="TEA-2").price) == "1249.00"
    assert Product.objects.get(sku="TEA-1").name == "Kräutertee"
