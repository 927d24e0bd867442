"""The stock ledger: one movement per stock change on every path, and per product the
deltas add up to the stock (docs/architecture.md#the-stock-ledger)."""

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.models import DeletionRecord, StockAlert
from alerts.services import deletion_record_restore
from backoffice.kit.actor import acting_as
from backoffice.kit.jobs.models import ImportJob
from catalog import ledger
from catalog.models import Product, StockMovement
from tests.catalog.importing import PRODUCT_HEADER, csv_bytes, import_through_admin
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

Reason = StockMovement.Reason
PRODUCTS = reverse("admin:catalog_product_changelist")


def assert_balanced() -> None:
    """The invariant: every product's stock is the sum of its movements' deltas."""
    assert list(ledger.products_out_of_balance().values_list("sku", "stock", "ledger")) == []


def movements(product: Product | int) -> list[tuple]:
    pk = product if isinstance(product, int) else product.pk
    return list(
        StockMovement.objects.filter(product_pk=pk)
        .order_by("id")
        .values_list("reason", "stock_before", "stock_after", "delta", "actor_username", "note")
    )


def test_a_product_created_in_code_starts_its_history_and_shell_changes_are_system():
    product = ProductFactory(stock=7)
    product.stock = 3
    product.save()
    product.name = "Renamed"  # no stock change: no movement
    product.save()
    assert movements(product) == [
        (Reason.CREATED, 0, 7, 7, "", ""),
        (Reason.SYSTEM, 7, 3, -4, "", ""),
    ]
    assert_balanced()


def test_the_before_value_is_the_stored_one_not_the_instance_in_hand():
    product = ProductFactory(stock=10)
    stale = Product.objects.get(pk=product.pk)
    Product.objects.filter(pk=product.pk).update(stock=4)  # a write the instance missed
    stale.stock = 6
    stale.save()
    assert movements(product)[-1][:4] == (Reason.SYSTEM, 4, 6, 2)


def test_an_f_expression_save_records_the_stored_result():
    product = ProductFactory(stock=10)
    product.stock = F("stock") - 3
    product.save()
    assert movements(product)[-1][:4] == (Reason.SYSTEM, 10, 7, -3)
    assert_balanced()


def test_saving_other_fields_only_writes_no_movement():
    product = ProductFactory(stock=10, low_stock_threshold=5)
    product.name = "Only the name"
    with CaptureQueriesContext(connection) as queries:
        product.save(update_fields=["name"])
    # The ledger neither locks nor writes (the alert rules' read mentions the table only to
    # find the movement behind an alert they might raise).
    sqls = [q["sql"] for q in queries]
    assert not [sql for sql in sqls if sql.startswith('INSERT INTO "catalog_stockmovement"')]
    assert len([sql for sql in sqls if sql.startswith('SELECT "catalog_product"')]) == 1
    assert len(movements(product)) == 1


def test_the_admin_form_records_created_and_edited_with_the_user(admin_client_for):
    client = admin_client_for("Inventory managers")
    response = client.post(
        reverse("admin:catalog_product_add"),
        {
            "sku": "FORM-1",
            "name": "Form",
            "price": "1.00",
            "stock": "12",
            "low_stock_threshold": "2",
        },
    )
    assert response.status_code == 302
    product = Product.objects.get(sku="FORM-1")
    response = client.post(
        reverse("admin:catalog_product_change", args=[product.pk]),
        {
            "sku": "FORM-1",
            "name": "Form",
            "price": "1.00",
            "stock": "4",
            "low_stock_threshold": "2",
        },
    )
    assert response.status_code == 302
    assert movements(product) == [
        (Reason.CREATED, 0, 12, 12, "inventory-managers", ""),
        (Reason.EDITED, 12, 4, -8, "inventory-managers", ""),
    ]
    assert_balanced()


def test_list_editable_records_list_edits(superuser_client):
    first, second = ProductFactory(stock=5), ProductFactory(stock=9)
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": str(first.pk),
        "form-0-stock": "1",
        "form-1-id": str(second.pk),
        "form-1-stock": "9",  # unchanged: no movement
        "_save": "Save",
    }
    response = superuser_client.post(PRODUCTS, data)
    assert response.status_code == 302
    assert movements(first)[-1] == (Reason.LIST_EDIT, 5, 1, -4, "root", "")
    assert len(movements(second)) == 1
    assert_balanced()


def test_the_out_of_stock_action_records_one_movement_per_changed_product(superuser_client):
    products = [ProductFactory(stock=stock) for stock in (8, 0, 3)]
    response = superuser_client.post(
        PRODUCTS,
        {"action": "mark_out_of_stock", "_selected_action": [p.pk for p in products]},
    )
    assert response.status_code == 302
    assert movements(products[0])[-1] == (
        Reason.ACTION, 8, 0, -8, "root", "Mark selected products out of stock",
    )  # fmt: skip
    assert len(movements(products[1])) == 1  # already at 0
    assert Product.objects.filter(pk__in=[p.pk for p in products], stock=0).count() == 3
    # The alert rules ran set-wise too.
    assert StockAlert.objects.unresolved().filter(product__in=products).count() == 3
    assert_balanced()


def test_an_import_writes_one_movement_per_changed_row_and_one_log_entry(superuser_client):
    ProductFactory(sku="IMP-1", name="One", stock=10)
    ProductFactory(sku="IMP-2", name="Two", stock=4)
    content = csv_bytes(
        PRODUCT_HEADER,
        "IMP-1,One,9.90,3,5,yes,",  # stock 10 -> 3
        "IMP-2,Two renamed,9.90,4,5,yes,",  # stock unchanged: no movement
        "IMP-3,Three,1.00,20,5,yes,",  # new
    )
    last_entry = LogEntry.objects.order_by("pk").values_list("pk", flat=True).last() or 0
    response = import_through_admin(
        superuser_client, "catalog_product", content, name="supplier-11.csv"
    )
    assert response.status_code == 302
    summary = "1 new, 2 updated, 0 unchanged, 0 invalid"
    imported = StockMovement.objects.filter(reason=Reason.IMPORT).order_by("sku")
    fields = ("sku", "stock_before", "stock_after", "note", "actor_username")
    job = ImportJob.objects.latest("pk")
    note = f"supplier-11.csv (import job {job.pk})"
    assert list(imported.values_list(*fields)) == [
        ("IMP-1", 10, 3, note, "root"),
        ("IMP-3", 0, 20, note, "root"),
    ]
    entries = list(LogEntry.objects.filter(pk__gt=last_entry))
    assert [(entry.object_repr, entry.change_message) for entry in entries] == [
        ("Import of supplier-11.csv", "Imported supplier-11.csv: " + summary + " products.")
    ]
    assert_balanced()


def test_delete_and_restore_relink_the_history(superuser):
    product = ProductFactory(stock=6)
    product.stock = 2
    product.save()
    pk = product.pk
    with acting_as(superuser):
        product.delete()
    assert movements(pk)[-1][:4] == (Reason.DELETION, 2, 0, -2)
    assert not StockMovement.objects.filter(product_pk=pk, product__isnull=False).exists()
    record = DeletionRecord.objects.get(object_pk=str(pk), content_type__model="product")
    deletion_record_restore(record=record, user=superuser)
    history = StockMovement.objects.filter(product_pk=pk).order_by("id")
    assert list(history.values_list("reason", "stock_before", "stock_after", "product_id")) == [
        (Reason.CREATED, 0, 6, pk),
        (Reason.SYSTEM, 6, 2, pk),
        (Reason.DELETION, 2, 0, pk),
        (Reason.RESTORE, 0, 2, pk),
    ]
    assert history.last().actor_username == "root"
    assert_balanced()


def test_the_restore_admin_view_logs_one_entry(superuser_client):
    product = ProductFactory(stock=6)
    pk = product.pk
    product.delete()
    record = DeletionRecord.objects.get(object_pk=str(pk), content_type__model="product")
    before = LogEntry.objects.count()
    superuser_client.post(reverse("admin:alerts_deletionrecord_restore", args=[record.pk]))
    assert LogEntry.objects.count() == before + 1
    entry = LogEntry.objects.latest("pk")
    assert (entry.object_id, entry.is_addition()) == (str(pk), True)
    assert_balanced()


def test_the_balance_check_records_what_raw_sql_changed():
    product = ProductFactory(stock=5)
    other = ProductFactory(stock=8)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_product SET stock = 11 WHERE id = %s", [product.pk])
    assert list(ledger.products_out_of_balance().values_list("pk", flat=True)) == [product.pk]
    assert ledger.stock_movements_balance(product_ids=[product.pk, other.pk]) == 1
    assert movements(product)[-1][:4] == (Reason.SYSTEM, 5, 11, 6)
    assert_balanced()


def test_the_opening_migration_gives_every_product_one_opening_movement():
    from importlib import import_module

    from django.apps import apps

    opening = import_module("catalog.migrations.0009_stock_movements_opening")
    Product.objects.bulk_create(
        [Product(sku=f"OLD-{n}", name="Old", price=1, stock=n) for n in range(3)]
    )  # no save(): no movements, as before the ledger existed
    assert ledger.products_out_of_balance().count() == 2  # stock 0 balances already

    class SchemaEditor:
        pass

    editor = SchemaEditor()
    editor.connection = connection
    opening.open_the_ledger(apps, editor)
    assert StockMovement.objects.filter(reason=Reason.OPENING).count() == 3
    assert_balanced()
