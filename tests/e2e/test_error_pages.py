"""The top bar's search boxes and the error pages in a real browser (issue 17, item 7)."""

import pytest
from playwright.sync_api import expect

from tests.factories import ProductFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SEARCHES = "#jazzy-navbar form input[type=search]"


def test_the_top_bar_searches_only_what_the_user_may_open(page, signed_in):
    ProductFactory(sku="TEA-001", name="Green tea")
    signed_in(UserFactory(username="useradmin", groups=["User admins"]))
    page.goto("/admin/")
    # A User admin may open neither products nor articles: no box that leads to a 403.
    expect(page.locator(SEARCHES)).to_have_count(0)


def test_a_viewer_searches_products_from_the_top_bar(page, signed_in):
    ProductFactory(sku="TEA-001", name="Green tea")
    signed_in(UserFactory(username="viewer", groups=["Viewers"]))
    page.goto("/admin/")
    boxes = page.locator(SEARCHES)
    expect(boxes).to_have_count(2)
    expect(boxes.nth(0)).to_have_attribute("placeholder", "Search Products...")
    expect(boxes.nth(1)).to_have_attribute("placeholder", "Search Articles...")
    boxes.nth(0).fill("TEA")
    boxes.nth(0).press("Enter")
    expect(page).to_have_url("/admin/catalog/product/?q=TEA")
    expect(page.locator("#result_list")).to_contain_text("TEA-001")


def test_404_in_the_admins_look(page, signed_in, browser_problems, screenshot):
    # Chromium logs every 4xx document as a console error; that one is what this test asks for.
    browser_problems.allow(r"status of 404")
    signed_in(UserFactory(username="viewer", groups=["Viewers"]))
    response = page.goto("/admin/catalog/no-such-page/")
    assert response.status == 404
    expect(page.locator("h3")).to_have_text("Page not found")
    expect(page.locator(".error-page")).to_contain_text("There is no page at this address")
    # The admin's frame: the side menu and the top bar, so the way on is one click.
    expect(page.locator("#jazzy-navigation")).to_contain_text("Products")
    expect(page.locator(SEARCHES)).to_have_count(2)
    screenshot(page, "page_not_found")
    page.get_by_role("link", name="Back to the dashboard").click()
    expect(page).to_have_url("/admin/")


def test_403_in_the_admins_look(page, signed_in, browser_problems):
    browser_problems.allow(r"status of 403")
    signed_in(UserFactory(username="useradmin", groups=["User admins"]))
    response = page.goto("/admin/catalog/product/")
    assert response.status == 403
    expect(page.locator("h3")).to_have_text("You may not open this page")
    expect(page.locator("body")).not_to_contain_text("403 Forbidden")
    expect(page.locator("#jazzy-navigation")).to_contain_text("Users")
