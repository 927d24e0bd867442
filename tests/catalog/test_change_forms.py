"""The product and article forms (issue 17, item 8): stock and price on the first tab, no
"View on site" link back into the admin, one History entry point."""

import re

import pytest
from django.urls import reverse

from tests.factories import ArticleFactory, ProductFactory

pytestmark = pytest.mark.django_db


def tab_names(html: str) -> list[str]:
    tabs = html[html.index('id="jazzy-tabs"') : html.index('<div class="tab-content">')]
    return [name.strip() for name in re.findall(r'role="tab"[^>]*>\s*([^<]+?)\s*</a>', tabs)]


def first_tab_fields(response) -> list[str]:
    return list(response.context["adminform"].fieldsets[0][1]["fields"])


def test_stock_and_price_are_on_the_first_tab(admin_client_for):
    client = admin_client_for("Inventory managers")
    product = ProductFactory()
    response = client.get(reverse("admin:catalog_product_change", args=[product.pk]))
    html = response.content.decode()

    assert tab_names(html) == ["Stock and price", "Details", "Stock history"]
    assert {"stock", "price"} <= set(first_tab_fields(response))
    # Every field a save can refuse is on the first tab: jazzmin marks no tab with errors.
    assert {"sku", "name", "stock", "price", "low_stock_threshold"} <= set(
        first_tab_fields(response)
    )


def test_the_add_form_has_the_same_first_tab_and_no_timestamps(admin_client_for):
    client = admin_client_for("Inventory managers")
    response = client.get(reverse("admin:catalog_product_add"))
    assert tab_names(response.content.decode()) == ["Stock and price", "Details"]
    assert "created_at" not in str(response.context["adminform"].fieldsets)


@pytest.mark.parametrize(
    ("model", "factory"), [("product", ProductFactory), ("article", ArticleFactory)]
)
def test_no_view_on_site_link_and_one_history_entry_point(superuser_client, model, factory):
    obj = factory()
    html = superuser_client.get(reverse(f"admin:catalog_{model}_change", args=[obj.pk])).content
    html = html.decode()
    # Issue 17, item 8: 'no "View on site" link that leads back to the admin; one History
    # entry point, not two'.
    assert "View on site" not in html
    assert "History" not in tab_names(html)
    history_url = reverse(f"admin:catalog_{model}_history", args=[obj.pk])
    assert html.count(f'href="{history_url}"') == 1
    # The timestamps are still shown, with the other details.
    assert "field-created_at" in html
