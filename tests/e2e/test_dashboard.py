"""The alert dashboard in a real browser: counts, open alerts, acknowledge, raise, resolve,
delete and restore, each through the admin's own pages; what its words and links mean."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from alerts.models import DeletionRecord, StockAlert
from backoffice.kit.actor import acting_as
from catalog.models import Product
from tests.e2e.checks import assert_fits_phone
from tests.factories import ProductFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def inventory_manager(signed_in):
    user = UserFactory(username="inventory", groups=["Inventory managers"])
    signed_in(user)
    return user


@pytest.fixture
def stock():
    """A small shop: two products low on stock (one of them out), one fine."""
    return {
        "grinder": ProductFactory(sku="GRD-001", name="Hand grinder", stock=0),
        "filters": ProductFactory(sku="FLT-002", name="Paper filters", stock=3),
        "kettle": ProductFactory(sku="KTL-003", name="Gooseneck kettle", stock=40),
    }


def open_alert_row(page, sku: str):
    return page.locator("#open-alerts tbody tr").filter(has=page.get_by_text(sku, exact=True))


def test_counts_and_open_alerts_most_urgent_first(page, inventory_manager, stock):
    page.goto("/admin/")

    expect(page.locator("#count-unresolved-alerts h3")).to_have_text("2")
    expect(page.locator("#count-out-of-stock h3")).to_have_text("1")
    expect(page.locator("#count-deletions h3")).to_have_text("0")
    skus = page.locator("#open-alerts tbody tr td:first-child").all_inner_texts()
    assert skus == ["GRD-001", "FLT-002"]
    expect(open_alert_row(page, "FLT-002")).to_contain_text("3 / 5")
    expect(page.locator("#recent-deletions")).to_contain_text("Nothing deleted yet")

    # On a phone the open-alerts table fits the screen: no sideways scroll hiding buttons.
    acknowledge = open_alert_row(page, "GRD-001").get_by_role("button")
    assert_fits_phone(page, "#open-alerts .table-responsive", acknowledge)


def test_viewer_sees_the_alerts_without_buttons(page, signed_in, stock):
    signed_in(UserFactory(username="viewer", groups=["Viewers"]))
    page.goto("/admin/")

    expect(page.locator("#count-unresolved-alerts h3")).to_have_text("2")
    expect(open_alert_row(page, "FLT-002")).to_contain_text("Open")
    expect(page.locator("#operations-dashboard").get_by_role("button")).to_have_count(0)


def test_acknowledge_an_alert_from_the_panel(page, inventory_manager, stock):
    page.goto("/admin/")

    open_alert_row(page, "FLT-002").get_by_role("button", name="Acknowledge").click()

    expect(page).to_have_url("/admin/")
    expect(page.get_by_text("Alert for FLT-002 acknowledged.")).to_be_visible()
    expect(open_alert_row(page, "FLT-002")).to_contain_text("Acknowledged")
    other_row = open_alert_row(page, "GRD-001")
    expect(other_row.get_by_role("button", name="Acknowledge")).to_be_visible()
    alert = StockAlert.objects.get(sku="FLT-002")
    assert alert.status == StockAlert.Status.ACKNOWLEDGED
    assert alert.acknowledged_by == inventory_manager


def test_lowering_stock_in_the_change_form_raises_an_alert(
    page, inventory_manager, stock, screenshot
):
    kettle = stock["kettle"]
    page.goto(f"/admin/catalog/product/{kettle.pk}/change/")

    page.get_by_role("tab", name="Stock and price").click()
    # Bootstrap fades the pane in: the screenshot below waits for the end of it.
    expect(page.locator("#stock-and-price-tab")).to_have_css("opacity", "1")
    page.locator("input[name=stock]").fill("2")
    # Every button and input has the theme's look: the price input matches the stock
    # input, and import-export's Export button is as wide as jazzmin's History button.
    style = "el => [getComputedStyle(el).borderRadius, getComputedStyle(el).height]"
    price_style = page.locator("input[name=price]").evaluate(style)
    assert price_style == page.locator("input[name=stock]").evaluate(style)
    export_box = page.locator("input[name='_export-item']").bounding_box()
    history_box = page.get_by_role("link", name="History", exact=True).bounding_box()
    assert export_box["width"] == pytest.approx(history_box["width"], abs=1)
    screenshot(page, "product_change")
    page.get_by_role("button", name="Save", exact=True).click()
    # jazzmin's tabs keep the open tab in the URL's fragment.
    expect(page).to_have_url(re.compile(r"/admin/catalog/product/(#.*)?$"))
    expect(page.get_by_text("was changed successfully")).to_be_visible()

    page.goto("/admin/")
    expect(page.locator("#count-unresolved-alerts h3")).to_have_text("3")
    expect(open_alert_row(page, "KTL-003")).to_contain_text("2 / 5")
    assert StockAlert.objects.get(sku="KTL-003").status == StockAlert.Status.OPEN


def test_restocking_through_list_editable_resolves_the_alert(page, inventory_manager, stock):
    page.goto("/admin/catalog/product/")

    row = page.locator("#result_list tbody tr").filter(has=page.get_by_text("FLT-002"))
    row.locator("input[name$='-stock']").fill("25")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("1 product was changed successfully.")).to_be_visible()

    page.goto("/admin/")
    expect(page.locator("#count-unresolved-alerts h3")).to_have_text("1")
    expect(open_alert_row(page, "FLT-002")).to_have_count(0)
    assert StockAlert.objects.get(sku="FLT-002").status == StockAlert.Status.RESOLVED


def test_delete_a_product_and_restore_it_from_the_panel(page, inventory_manager, stock, screenshot):
    grinder = stock["grinder"]
    page.goto(f"/admin/catalog/product/{grinder.pk}/change/")

    page.locator(".submit-row, #jazzy-actions").get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Yes, I\N{RIGHT SINGLE QUOTATION MARK}m sure").click()
    expect(page).to_have_url("/admin/catalog/product/")
    assert not Product.objects.filter(pk=grinder.pk).exists()

    page.goto("/admin/")
    expect(page.locator("#count-deletions h3")).to_have_text("1")
    # Deleting the product resolved its alert.
    expect(open_alert_row(page, "GRD-001")).to_have_count(0)
    deletion = page.locator("#recent-deletions tbody tr").filter(has_text="GRD-001")
    expect(deletion).to_contain_text("inventory")
    screenshot(page, "dashboard_deletion")
    assert_fits_phone(
        page, "#recent-deletions .table-responsive", deletion.get_by_role("button", name="Restore")
    )
    deletion.get_by_role("button", name="Restore").click()

    expect(page).to_have_url("/admin/")
    expect(page.get_by_text("restored.")).to_be_visible()
    expect(deletion).to_contain_text("Restored")
    restored = Product.objects.get(pk=grinder.pk)
    assert (restored.sku, restored.name, restored.stock) == ("GRD-001", "Hand grinder", 0)
    assert DeletionRecord.objects.get().restored_by == inventory_manager
    # Back, still out of stock: its alert is open again.
    expect(open_alert_row(page, "GRD-001")).to_have_count(1)


def test_unresolved_means_open_and_acknowledged_and_every_link_means_its_count(
    page, inventory_manager, stock, screenshot
):
    """Issue 17, item 10, as staff read it: the words, the ages, the links, the prices."""
    editor = UserFactory(username="eddie", groups=["Editors"])
    with acting_as(editor):
        ProductFactory(sku="OLD-001", name="Retired mug").delete()
        ProductFactory(sku="MUG-002", name="Chipped mug", stock=12).delete()
    DeletionRecord.objects.filter(object_repr__contains="Retired").update(
        deleted_at=timezone.now() - timedelta(days=10)
    )
    page.goto("/admin/")
    open_alert_row(page, "FLT-002").get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Alert for FLT-002 acknowledged.")).to_be_visible()

    unresolved = page.locator("#count-unresolved-alerts")
    expect(unresolved.locator("h3")).to_have_text("2")
    expect(unresolved).to_contain_text("Unresolved low-stock alerts")
    expect(unresolved).to_contain_text("1 open · 1 acknowledged")
    expect(page.locator("#open-alerts")).to_contain_text("Unresolved alerts")
    # Raised a moment ago: "just now", never "0 minutes ago".
    expect(open_alert_row(page, "GRD-001")).to_contain_text("just now")
    expect(page.locator("#operations-dashboard")).not_to_contain_text("0\xa0minutes ago")
    # Recent actions: who did what (the acknowledge just made).
    actions = page.locator("#recent-actions")
    expect(actions).to_contain_text("inventory")
    expect(actions).to_contain_text("Acknowledged.")
    expect(page.locator("footer")).not_to_contain_text("Jazzmin version")
    deletions = page.locator("#count-deletions")
    expect(deletions.locator("h3")).to_have_text("1")
    expect(deletions).to_contain_text("Deletion in the past 7 days")
    screenshot(page, "dashboard")

    deletions.get_by_role("link", name="See those records").click()
    expect(page).to_have_url(re.compile(r"/admin/alerts/deletionrecord/\?deleted_at__gte="))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)  # the same record as the count, not the 10-day-old one
    expect(rows).to_contain_text("Chipped mug")
    # The list's own date filter shows the range as its chosen "Past 7 days".
    chosen = page.locator("#change-list-filters select option:checked")
    expect(chosen.filter(has_text="Past 7 days")).to_have_count(1)

    page.goto("/admin/catalog/product/")
    kettle = page.locator("#result_list tbody tr").filter(has_text="KTL-003")
    expect(kettle.locator("td.field-price_with_currency")).to_have_text("€9.90")
