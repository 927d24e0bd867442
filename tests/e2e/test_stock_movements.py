"""The Stock movements list's product filter in a real browser: typing part of a SKU asks
the admin's autocomplete view, and picking a product shows only its movements."""

import pytest
from playwright.sync_api import expect

from tests.factories import ProductFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_picking_a_product_by_part_of_its_sku_filters_the_movements(page, signed_in, screenshot):
    for index in range(3):
        ProductFactory(sku=f"TEA-{index:03d}", name=f"Green tea {index}", stock=10 + index)
    coffee = ProductFactory(sku="COF-001", name="Coffee beans", stock=7)
    coffee.stock = 3
    coffee.save()
    signed_in(UserFactory(username="inventory", groups=["Inventory managers"]))

    page.goto("/admin/catalog/stockmovement/")
    expect(page.locator("#result_list tbody tr")).to_have_count(5)
    page.locator("#product-filter + .select2").click()
    with page.expect_response(lambda response: "/admin/autocomplete/" in response.url):
        page.locator(".select2-search__field").fill("cof")
    option = page.locator(".select2-results__option", has_text="COF-001 — Coffee beans")
    expect(option).to_have_count(1)
    expect(page.locator(".select2-results__option", has_text="TEA-")).to_have_count(0)
    with page.expect_navigation():
        option.click()

    assert f"product={coffee.pk}" in page.url
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)  # created at 7, then 7 → 3
    expect(rows.first).to_contain_text("7 → 3")
    expect(page.locator("#product-filter + .select2")).to_contain_text("COF-001 — Coffee beans")
    screenshot(page, "stock_movements_product_filter")

    # Clearing the choice shows every product's movements again.
    with page.expect_navigation():
        page.locator("#product-filter + .select2 .select2-selection__clear").click()
    assert "product=" not in page.url
    expect(page.locator("#result_list tbody tr")).to_have_count(5)
