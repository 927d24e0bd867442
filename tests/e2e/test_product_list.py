"""The product list in a real browser: selecting across pages, on a plain list and on a
search counted only up to a limit (backoffice.kit.pagination)."""

import re

import pytest
from django.contrib import admin
from playwright.sync_api import expect

from catalog.models import Product
from tests.factories import ProductFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(signed_in, monkeypatch):
    """13 products (12 teas), 2 a page, searches counted up to 5 rows; an inventory manager."""
    for index in range(12):
        ProductFactory(sku=f"TEA-{index:03d}", name=f"Green tea {index}")
    ProductFactory(sku="COF-001", name="Coffee beans")
    product_admin = admin.site.get_model_admin(Product)
    monkeypatch.setattr(product_admin, "list_per_page", 2)
    monkeypatch.setattr(product_admin, "list_max_show_all", 3)
    monkeypatch.setattr(product_admin, "search_count_limit", 5)
    signed_in(UserFactory(username="inventory", groups=["Inventory managers"]))


def selection_parts(page) -> dict[str, object]:
    actions = page.locator("div.actions")
    return {
        part: actions.locator(f"span.{part}")
        for part in ("action-counter", "all", "question", "clear")
    }


def test_selecting_across_the_pages_of_the_plain_list(page, shop):
    page.goto("/admin/catalog/product/")
    parts = selection_parts(page)
    # Before anything is selected only the counter shows (jazzmin's markup showed "All 13
    # selected" and "Select all 13 products" at all times).
    expect(parts["action-counter"]).to_have_text("0 of 2 selected")
    for part in ("all", "question", "clear"):
        expect(parts[part]).to_be_hidden()

    page.locator("#action-toggle").check()
    expect(parts["question"]).to_have_text("Select all 13 products")
    expect(parts["all"]).to_be_hidden()
    parts["question"].get_by_role("button").click()
    expect(parts["all"]).to_have_text("All 13 selected")
    expect(parts["clear"]).to_be_visible()
    expect(parts["action-counter"]).to_be_hidden()

    parts["clear"].get_by_role("button").click()
    expect(parts["action-counter"]).to_have_text("0 of 2 selected")
    for part in ("all", "question", "clear"):
        expect(parts[part]).to_be_hidden()


def test_a_capped_search_selects_every_match_across_its_pages(page, shop, screenshot):
    page.goto("/admin/catalog/product/?q=tea")
    expect(page.locator(".dataTables_info")).to_contain_text("More than 5 products")
    # No last page: it is not known. The links end with an ellipsis and a next arrow.
    expect(page.locator("ul.pagination")).to_have_text(re.compile(r"^\s*«\s*1\s*2\s*…\s*»\s*$"))
    parts = selection_parts(page)

    page.locator("#action-toggle").check()
    expect(parts["question"]).to_have_text("Select all products matching the search (more than 5)")
    parts["question"].get_by_role("button").click()
    expect(parts["all"]).to_have_text("All products matching the search selected (more than 5)")
    screenshot(page, "product_search_select_all")

    page.locator("select[name=action]").select_option("mark_inactive")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("12 products marked inactive.")).to_be_visible()
    assert not Product.objects.filter(sku__startswith="TEA", is_active=True).exists()
    assert Product.objects.get(sku="COF-001").is_active

    # The next arrow walks on past the counted pages.
    page.goto("/admin/catalog/product/?q=tea")
    page.locator("ul.pagination li.next a").click()
    expect(page).to_have_url(re.compile(r"/admin/catalog/product/\?p=2&q=tea$"))
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    expect(page.locator("#result_list")).to_contain_text("TEA-002")
