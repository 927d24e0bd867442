"""Two people on one product's stock: a change form or a list edit page opened before another
writer changed the stock never saves the page's old stock over it. Left alone, the other
change is kept; changed on both sides, the save is refused naming the other change
(catalog.stock_edits.stock_edit_resolve, docs/architecture.md#the-stock-ledger)."""

import re

import pytest
from django.urls import reverse

from alerts.models import StockAlert
from catalog.models import Product, StockMovement
from tests.factories import ProductFactory
from tests.threads import CONCURRENT_WRITERS, THREADS, role_clients, run_at_once

pytestmark = pytest.mark.django_db

PRODUCTS = reverse("admin:catalog_product_changelist")


def change_url(product) -> str:
    return reverse("admin:catalog_product_change", args=[product.pk])


def opened_change_form(client, product) -> dict:
    """What the browser posts back from the change page as it was rendered now."""
    page = client.get(change_url(product))
    html = page.content.decode()
    seen = re.search(r'<input type="hidden" name="stock_seen" value="(-?\d+)">', html)
    assert seen, "the change page carries the stock it shows"
    form = page.context["adminform"].form
    data = {"stock_seen": seen.group(1)}
    for name in ["sku", "name", "description", "price", "stock", "low_stock_threshold"]:
        data[name] = form.initial[name] if form.initial[name] is not None else ""
    if form.initial["is_active"]:
        data["is_active"] = "on"
    return data


def opened_list(client) -> dict:
    """What the browser posts back from the product list's inputs as rendered now."""
    html = client.get(PRODUCTS).content.decode()
    rows = dict(re.findall(r'name="(form-\d+-(?:id|stock|stock_seen))" value="(\d+)"', html))
    total = len([name for name in rows if name.endswith("-id")])
    assert total
    assert len(rows) == 3 * total, "every row carries the stock it shows"
    return {"form-TOTAL_FORMS": str(total), "form-INITIAL_FORMS": str(total), **rows}


def row_of(data: dict, product) -> str:
    (name,) = [
        name for name, value in data.items() if name.endswith("-id") and value == str(product.pk)
    ]
    return name.removesuffix("-id")


def other_user_sets_stock(client, product, stock: int) -> None:
    response = client.post(
        PRODUCTS,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(product.pk),
            "form-0-stock": str(stock),
            "_save": "Save",
        },
    )
    assert response.status_code == 302


@pytest.fixture
def two_clerks(admin_client_for):
    return admin_client_for("Inventory managers", username="anna"), admin_client_for(
        "Inventory managers", username="ben"
    )


def test_a_change_form_opened_before_a_stock_change_keeps_it_when_saving_other_fields(two_clerks):
    anna, ben = two_clerks
    product = ProductFactory(sku="P-1", stock=10, low_stock_threshold=5)
    page = opened_change_form(anna, product)
    other_user_sets_stock(ben, product, 3)  # ben sells 7 meanwhile

    response = anna.post(change_url(product), {**page, "name": "Renamed"})

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.stock) == ("Renamed", 3)
    assert (
        not StockMovement.objects.filter(product_pk=product.pk, stock_after=10)
        .exclude(reason="created")
        .exists()
    )
    assert StockAlert.objects.filter(product=product, resolved_at__isnull=True).count() == 1


def test_a_stock_changed_on_both_sides_is_refused_naming_the_other_change(two_clerks):
    anna, ben = two_clerks
    product = ProductFactory(sku="P-1", stock=10, low_stock_threshold=5)
    page = opened_change_form(anna, product)
    other_user_sets_stock(ben, product, 3)

    response = anna.post(change_url(product), {**page, "stock": "12", "name": "Renamed"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "The stock changed from 10 to 3 since this page was opened" in html
    assert "stock 10 → 3 by list edit, by ben" in html
    assert (
        "your 12 was not saved. Save again to set it to 12 anyway, or enter another stock." in html
    )
    product.refresh_from_db()
    assert product.stock == 3
    assert product.name != "Renamed"  # nothing of the refused save is written
    # The page shown again starts from the stock now stored: saving it again is deliberate.
    assert '<input type="hidden" name="stock_seen" value="3">' in html
    again = anna.post(change_url(product), {**page, "stock": "12", "stock_seen": "3"})
    assert again.status_code == 302
    product.refresh_from_db()
    assert product.stock == 12
    assert list(
        StockMovement.objects.filter(product_pk=product.pk)
        .order_by("pk")
        .values_list("stock_before", "stock_after")
    ) == [(0, 10), (10, 3), (3, 12)]


def test_the_same_change_on_both_sides_is_no_conflict(two_clerks):
    anna, ben = two_clerks
    product = ProductFactory(sku="P-1", stock=10)
    page = opened_change_form(anna, product)
    other_user_sets_stock(ben, product, 3)

    assert anna.post(change_url(product), {**page, "stock": "3"}).status_code == 302
    product.refresh_from_db()
    assert product.stock == 3


def test_a_list_page_opened_before_a_stock_change_saves_only_what_its_user_changed(two_clerks):
    anna, ben = two_clerks
    first = ProductFactory(sku="A-1", stock=10, low_stock_threshold=5)
    second = ProductFactory(sku="B-1", stock=20)
    page = opened_list(anna)
    # ben marks A-1 out of stock with the action meanwhile
    response = ben.post(PRODUCTS, {"action": "mark_out_of_stock", "_selected_action": [first.pk]})
    assert response.status_code == 302

    page[f"{row_of(page, second)}-stock"] = "25"
    response = anna.post(PRODUCTS, {**page, "_save": "Save"})

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.stock, second.stock) == (0, 25)
    assert StockAlert.objects.filter(product=first, resolved_at__isnull=True).count() == 1


def test_a_list_row_changed_on_both_sides_is_refused_and_nothing_is_saved(two_clerks):
    anna, ben = two_clerks
    first = ProductFactory(sku="A-1", stock=10)
    second = ProductFactory(sku="B-1", stock=20)
    page = opened_list(anna)
    other_user_sets_stock(ben, first, 3)

    page[f"{row_of(page, first)}-stock"] = "8"
    page[f"{row_of(page, second)}-stock"] = "25"
    response = anna.post(PRODUCTS, {**page, "_save": "Save"})

    assert response.status_code == 200
    assert "The stock changed from 10 to 3 since this page was opened" in response.content.decode()
    assert list(Product.objects.order_by("sku").values_list("stock", flat=True)) == [3, 20]


def test_a_post_without_the_shown_stock_is_taken_at_its_word(two_clerks):
    anna, _ = two_clerks
    product = ProductFactory(stock=10)
    page = opened_change_form(anna, product)
    del page["stock_seen"]
    Product.objects.filter(pk=product.pk).update(stock=3)

    assert anna.post(change_url(product), {**page, "stock": "7"}).status_code == 302
    product.refresh_from_db()
    assert product.stock == 7


@CONCURRENT_WRITERS[0]
@CONCURRENT_WRITERS[1]
def test_stale_change_forms_saved_at_once_keep_one_stock_and_refuse_the_rest():
    product = ProductFactory(sku="P-1", stock=10, low_stock_threshold=5)
    sessions = role_clients("Inventory managers")
    pages = [opened_change_form(session, product) for session in sessions]
    statuses = {}

    def save(start, n):
        start.wait()
        # Every page showed 10; each sets its own stock (n + 1, all low but one).
        data = {**pages[n], "stock": str(n + 1 if n else 40)}
        statuses[n] = sessions[n].post(change_url(product), data).status_code

    assert run_at_once(save) == []

    assert sorted(statuses.values()) == [200] * (THREADS - 1) + [302]
    (winner,) = [n for n, status in statuses.items() if status == 302]
    product.refresh_from_db()
    assert product.stock == (winner + 1 if winner else 40)
    moves = list(
        StockMovement.objects.filter(product_pk=product.pk)
        .order_by("pk")
        .values_list("stock_before", "stock_after")
    )
    assert moves == [(0, 10), (10, product.stock)]
    unresolved = StockAlert.objects.filter(product=product, resolved_at__isnull=True).count()
    assert unresolved == (1 if product.stock < 5 else 0)
