"""The low-stock rules and notifications, called directly through alerts.services."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from alerts import notifications, services
from alerts.models import StockAlert
from catalog.models import Product
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

OPEN, ACKNOWLEDGED, RESOLVED = (
    StockAlert.Status.OPEN,
    StockAlert.Status.ACKNOWLEDGED,
    StockAlert.Status.RESOLVED,
)


@pytest.fixture
def manager():
    return UserFactory(username="stock-manager", groups=["Inventory managers"])


def alerts_of(product):
    return list(StockAlert.objects.filter(product=product).order_by("pk"))


def product_low_without_signals(**fields) -> Product:
    """A product written without save(), as bulk paths and loaddata write them."""
    defaults = {"sku": "BULK-1", "name": "Bulk", "price": 1, "stock": 1, "low_stock_threshold": 5}
    return Product.objects.bulk_create([Product(**{**defaults, **fields})])[0]


class TestSingleProduct:
    def test_a_product_created_low_raises_an_alert_with_its_values(self):
        product = ProductFactory(sku="LOW-1", name="Lamp", stock=2, low_stock_threshold=5)
        [alert] = alerts_of(product)
        assert (alert.status, alert.sku, alert.product_name) == (OPEN, "LOW-1", "Lamp")
        assert (alert.stock, alert.threshold) == (2, 5)

    def test_a_product_at_its_threshold_is_not_low(self):
        product = ProductFactory(stock=5, low_stock_threshold=5)
        assert alerts_of(product) == []

    def test_an_open_alert_follows_the_stock(self):
        product = ProductFactory(stock=4, low_stock_threshold=5)
        product.stock = 1
        product.name = "Renamed"
        product.save()
        [alert] = alerts_of(product)
        assert (alert.stock, alert.product_name, alert.status) == (1, "Renamed", OPEN)

    def test_an_acknowledged_alert_follows_the_stock_and_stays_acknowledged(self, manager):
        product = ProductFactory(stock=4, low_stock_threshold=5)
        services.stock_alerts_acknowledge(alerts=StockAlert.objects.all(), user=manager)
        product.stock = 2
        product.save()
        [alert] = alerts_of(product)
        assert (alert.status, alert.stock, alert.acknowledged_by) == (ACKNOWLEDGED, 2, manager)

    def test_restocking_resolves_and_a_later_drop_raises_a_new_alert(self):
        product = ProductFactory(stock=1, low_stock_threshold=5)
        product.stock = 10
        product.save()
        [first] = alerts_of(product)
        assert first.status == RESOLVED
        assert first.resolved_at is not None
        product.stock = 3
        product.save()
        first_again, second = alerts_of(product)
        assert (first_again.status, second.status, second.stock) == (RESOLVED, OPEN, 3)

    def test_the_rules_decide_from_the_stored_row_not_from_an_instance_in_memory(self):
        product = ProductFactory(stock=50, low_stock_threshold=5)
        # Another writer committed stock 1 meanwhile (no save(): no receiver ran yet).
        Product.objects.filter(pk=product.pk).update(stock=1)
        services.stock_alert_sync_one(product_id=product.pk)
        assert [(a.status, a.stock) for a in alerts_of(product)] == [(OPEN, 1)]
        # This instance still says 50; what is stored says 1, and so does the alert.
        assert product.stock == 50

    def test_a_product_deleted_meanwhile_gets_no_alert(self):
        product = ProductFactory(stock=50, low_stock_threshold=5)
        Product.objects.filter(pk=product.pk).delete()
        services.stock_alert_sync_one(product_id=product.pk)
        assert StockAlert.objects.count() == 0

    def test_raising_twice_keeps_one_unresolved_alert(self):
        product = ProductFactory(stock=1, low_stock_threshold=5)
        # As a concurrent save would: no alert seen by the update, the insert conflicts.
        StockAlert.objects.bulk_create(
            [StockAlert(product=product, sku="x", product_name="x", stock=0, threshold=5)],
            ignore_conflicts=True,
        )
        assert StockAlert.objects.unresolved().filter(product=product).count() == 1

    def test_the_database_refuses_a_second_unresolved_alert(self):
        from django.db import IntegrityError

        product = ProductFactory(stock=1, low_stock_threshold=5)
        with pytest.raises(IntegrityError), transaction.atomic():
            StockAlert.objects.create(
                product=product, sku="x", product_name="x", stock=1, threshold=5
            )

    def test_resolving_for_a_product_closes_its_alerts(self):
        product = ProductFactory(stock=1, low_stock_threshold=5)
        assert services.stock_alerts_resolve_for_product(product_id=product.pk) == 1
        assert alerts_of(product)[0].status == RESOLVED

    @pytest.mark.parametrize(
        ("start_stock", "new_stock", "queries"),
        [(50, 1, 4), (1, 2, 3), (1, 50, 3), (50, 60, 3)],
        ids=["raise", "refresh", "resolve", "nothing-to-do"],
    )
    def test_saving_a_product_costs_the_lock_and_at_most_two_writes(
        self, django_assert_num_queries, start_stock, new_stock, queries
    ):
        product = ProductFactory(stock=start_stock, low_stock_threshold=5)
        product.stock = new_stock
        # The stock ledger's SELECT ... FOR NO KEY UPDATE of the row before the product's
        # UPDATE and its movement's INSERT after it (tests/catalog/test_ledger.py); the
        # rules' SELECT ... FOR NO KEY UPDATE of the row (a plain SELECT on SQLite); then an
        # UPDATE of its unresolved alert (refresh or resolve) and, when none was there to
        # refresh, the INSERT that raises one.
        with django_assert_num_queries(queries + 2) as captured:
            product.save()
        for lock in (captured.captured_queries[0]["sql"], captured.captured_queries[3]["sql"]):
            assert lock.startswith("SELECT")
            assert 'FROM "catalog_product"' in lock
            if connection.features.has_select_for_update:
                assert lock.endswith("FOR NO KEY UPDATE")


class TestSetWise:
    def test_sync_all_raises_refreshes_and_resolves(self):
        raise_me = product_low_without_signals(sku="RAISE", stock=1)
        refresh_me = ProductFactory(stock=3, low_stock_threshold=5)
        resolve_me = ProductFactory(stock=2, low_stock_threshold=5)
        Product.objects.filter(pk=refresh_me.pk).update(stock=1)
        Product.objects.filter(pk=resolve_me.pk).update(stock=40)
        fine = ProductFactory(stock=40)

        result = services.stock_alerts_sync_all()

        assert (result.raised, result.refreshed, result.resolved) == (1, 1, 1)
        assert [(a.status, a.stock) for a in alerts_of(raise_me)] == [(OPEN, 1)]
        assert [(a.status, a.stock) for a in alerts_of(refresh_me)] == [(OPEN, 1)]
        assert [a.status for a in alerts_of(resolve_me)] == [RESOLVED]
        assert alerts_of(fine) == []

    def test_sync_only_touches_the_given_products(self):
        listed = product_low_without_signals(sku="LISTED")
        unlisted = product_low_without_signals(sku="UNLISTED")
        services.stock_alerts_sync_many(product_ids=[listed.pk])
        assert len(alerts_of(listed)) == 1
        assert alerts_of(unlisted) == []

    def test_sync_leaves_what_row_by_row_saves_leave(self):
        values = [(f"S-{n}", n % 9, 5) for n in range(40)]
        for sku, stock, threshold in values:
            ProductFactory(sku=sku, stock=stock, low_stock_threshold=threshold)
        by_saves = sorted(StockAlert.objects.values_list("sku", "stock", "threshold", "status"))
        Product.objects.all().delete()
        StockAlert.objects.all().delete()

        products = Product.objects.bulk_create(
            Product(sku=sku, name=sku, price=1, stock=stock, low_stock_threshold=threshold)
            for sku, stock, threshold in values
        )
        services.stock_alerts_sync_many(product_ids=[p.pk for p in products])
        by_sync = sorted(StockAlert.objects.values_list("sku", "stock", "threshold", "status"))
        assert by_sync == by_saves
        assert len(by_sync) == 24

    def test_more_ids_than_sqlite_allows_in_one_query(self):
        products = Product.objects.bulk_create(
            Product(sku=f"MANY-{n}", name="n", price=1, stock=0, low_stock_threshold=5)
            for n in range(2100)
        )
        result = services.stock_alerts_sync_many(product_ids=[p.pk for p in products])
        assert result.raised == 2100
        assert StockAlert.objects.unresolved().count() == 2100

    def test_a_long_id_list_touches_only_the_listed_products_a_step_at_a_time(
        self, monkeypatch, django_assert_num_queries
    ):
        monkeypatch.setattr(services, "IDS_PER_QUERY", 3)
        monkeypatch.setattr(services, "POSTGRESQL_IDS_PER_QUERY", 3)
        products = Product.objects.bulk_create(
            Product(sku=f"LONG-{n}", name="n", price=1, stock=n, low_stock_threshold=5)
            for n in range(10)
        )
        listed = [p.pk for p in products[:7]]  # stock 0-6: five low
        # Steps of 3, 3 and 1 ids: per step the lock (PostgreSQL), resolve, refresh and
        # select the missing; one insert in the two steps with low products (stock 0-5).
        lock = 1 if connection.features.has_select_for_update else 0
        with django_assert_num_queries(3 * (lock + 3) + 2):
            result = services.stock_alerts_sync_many(product_ids=reversed(listed))
        assert result.raised == 5
        assert StockAlert.objects.filter(product_id__in=listed).count() == 5
        assert not StockAlert.objects.exclude(product_id__in=listed).exists()

    def test_the_set_wise_lock_takes_the_rows_in_pk_order(self, django_assert_num_queries):
        products = Product.objects.bulk_create(
            Product(sku=f"ORD-{n}", name="n", price=1, stock=1, low_stock_threshold=5)
            for n in range(3)
        )
        queries = 5 if connection.features.has_select_for_update else 4
        with django_assert_num_queries(queries) as captured:
            services.stock_alerts_sync_many(product_ids=[p.pk for p in products][::-1])
        lock = captured.captured_queries[0]["sql"]
        if connection.features.has_select_for_update:
            assert lock.startswith('SELECT "catalog_product"."id" AS "pk" FROM')
            assert lock.endswith("ORDER BY 1 ASC FOR NO KEY UPDATE")
        else:  # no lock statement: the IMMEDIATE transaction holds the database
            assert lock.startswith('UPDATE "alerts_stockalert"')

    @pytest.mark.parametrize("size", [3, 300])
    def test_sync_all_costs_a_few_queries_per_step(self, django_assert_max_num_queries, size):
        Product.objects.bulk_create(
            Product(sku=f"Q-{n}", name="n", price=1, stock=n % 7, low_stock_threshold=5)
            for n in range(size)
        )
        low = Product.objects.low_on_stock().count()
        # One step here: lock and read the ids, the stock ledger's balance check (the sums,
        # the stock, one executemany of `system` movements: bulk_create left none), resolve,
        # refresh, select the missing, the inserts (one on PostgreSQL, one per 99 rows on
        # SQLite: Django's 999-parameter budget), then the lock statement that finds no more.
        inserts = -(-low // 99)
        with django_assert_max_num_queries(1 + 3 + 3 + inserts + 1):
            result = services.stock_alerts_sync_all()
        assert result.raised == low
        assert result.balanced == Product.objects.exclude(stock=0).count()
        assert StockAlert.objects.unresolved().count() == low

    def test_sync_all_steps_through_the_table_in_pk_order(self, monkeypatch):
        monkeypatch.setattr(services, "IDS_PER_QUERY", 4)
        monkeypatch.setattr(services, "POSTGRESQL_IDS_PER_QUERY", 4)
        Product.objects.bulk_create(
            Product(sku=f"STEP-{n}", name="n", price=1, stock=n % 7, low_stock_threshold=5)
            for n in range(30)
        )
        result = services.stock_alerts_sync_all()
        assert result.raised == Product.objects.low_on_stock().count() == 22
        assert services.stock_alerts_sync_all() == services.StockAlertSyncResult()

    def test_resolve_and_acknowledge_only_change_what_they_should(self, manager):
        open_alert = alerts_of(ProductFactory(stock=1))[0]
        resolved_product = ProductFactory(stock=1)
        services.stock_alerts_resolve(alerts=StockAlert.objects.filter(product=resolved_product))
        assert services.stock_alerts_acknowledge(alerts=StockAlert.objects.all(), user=manager) == 1
        open_alert.refresh_from_db()
        assert (open_alert.status, open_alert.acknowledged_by) == (ACKNOWLEDGED, manager)
        assert services.stock_alerts_resolve(alerts=StockAlert.objects.all()) == 1


class TestEmails:
    def test_one_email_after_commit_for_the_alerts_a_transaction_raised(
        self, manager, django_capture_on_commit_callbacks
    ):
        UserFactory(username="no-role")  # not an Inventory manager: gets nothing
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            ProductFactory(sku="MAIL-1", name="Kettle", stock=1)
            ProductFactory(sku="MAIL-2", name="Mug", stock=0)
            assert mail.outbox == []  # nothing before the commit
        # Two saves in one transaction (as a list edit saves its rows): one email.
        assert len(callbacks) == 2
        [email] = mail.outbox
        assert email.to == [manager.email]
        assert "2 new alerts" in email.subject
        assert "MAIL-1 Kettle" in email.body
        assert "MAIL-2 Mug" in email.body

    def test_a_single_alert_names_its_product_in_the_subject(
        self, manager, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            ProductFactory(sku="MAIL-1", name="Kettle", stock=1)
        [email] = mail.outbox
        assert email.subject == "[Backoffice] Low stock: MAIL-1 Kettle (1 left)"

    @pytest.mark.parametrize(
        "name",
        [
            "Kettle\nBcc: attacker@example.com",
            "Kettle\r\nSubject: spoofed",
            "Kettle\x1b[31m\u2028\u0085 red",
            "Kettle " + "x" * 190,
        ],
        ids=["newline", "crlf-header", "control-characters", "very-long"],
    )
    def test_an_alert_is_sent_whatever_its_product_is_called(
        self, manager, django_capture_on_commit_callbacks, name
    ):
        # A newline in a subject made Django refuse the email (BadHeaderError): lost alert.
        with django_capture_on_commit_callbacks(execute=True):
            ProductFactory(sku="ODD-1", name=name, stock=1)
        [email] = mail.outbox
        message = email.message()  # what would go on the wire: raises on a bad header
        assert message.as_bytes()
        assert email.subject.startswith("[Backoffice] Low stock: ODD-1 Kettle")
        assert "\n" not in email.subject
        assert "\r" not in email.subject
        assert len(email.subject) < 150
        assert "Bcc" not in message
        assert message["To"] == manager.email
        [line] = [line for line in email.body.splitlines() if "ODD-1" in line]
        assert line.startswith("- ODD-1 Kettle")
        assert line.endswith("threshold 5 (open)")

    def test_one_line_keeps_ordinary_text_and_flattens_the_rest(self):
        assert notifications.one_line("Café — 50 cl, 20 °C") == "Café — 50 cl, 20 °C"
        assert notifications.one_line(" a\tb\n\nc\u200b ") == "a b c"
        assert notifications.one_line("abcdef", limit=4) == "abc…"

    def test_refreshing_an_alert_sends_nothing(self, manager, django_capture_on_commit_callbacks):
        product = ProductFactory(stock=3)
        with django_capture_on_commit_callbacks(execute=True):
            product.stock = 2
            product.save()
        assert mail.outbox == []

    def test_a_rolled_back_save_sends_nothing(self, manager, django_capture_on_commit_callbacks):
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            ProductFactory(stock=1)
            raise RuntimeError("dry run")
        assert callbacks == []
        assert mail.outbox == []

    def test_many_set_wise_syncs_in_one_transaction_send_one_email(
        self, manager, django_capture_on_commit_callbacks
    ):
        # As an import syncs its alerts batch by batch inside its one transaction.
        products = Product.objects.bulk_create(
            Product(sku=f"B-{n:03}", name=f"Item {n}", price=1, stock=0, low_stock_threshold=5)
            for n in range(120)
        )
        with django_capture_on_commit_callbacks(execute=True):
            for start in range(0, 120, 10):
                services.stock_alerts_sync_many(
                    product_ids=[p.pk for p in products[start : start + 10]]
                )
        [email] = mail.outbox
        assert "120 new alerts" in email.subject
        assert "B-000" in email.body
        assert "… and 70 more." in email.body

    def test_a_rolled_back_sync_does_not_hold_back_the_next_email(
        self, manager, django_capture_on_commit_callbacks
    ):
        with pytest.raises(RuntimeError), transaction.atomic():
            ProductFactory(sku="GONE", stock=1)
            raise RuntimeError("rolled back")
        with django_capture_on_commit_callbacks(execute=True):
            ProductFactory(sku="KEPT", name="Kept", stock=1)
        [email] = mail.outbox
        assert "KEPT" in email.subject
        assert "GONE" not in email.body

    def test_a_set_wise_sync_sends_one_email_listing_every_alert(
        self, manager, django_capture_on_commit_callbacks
    ):
        Product.objects.bulk_create(
            Product(sku=f"SET-{n:02}", name=f"Item {n}", price=1, stock=0, low_stock_threshold=5)
            for n in range(60)
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.stock_alerts_sync_all()
        [email] = mail.outbox
        assert "60 new alerts" in email.subject
        assert "SET-00" in email.body
        assert "… and 10 more." in email.body

    def test_digest_mode_sends_nothing_on_raise(
        self, manager, settings, django_capture_on_commit_callbacks
    ):
        settings.BACKOFFICE_ALERT_EMAILS = "digest"
        with django_capture_on_commit_callbacks(execute=True):
            ProductFactory(stock=1)
        assert mail.outbox == []

    def test_digest_lists_alerts_raised_since(self, manager):
        ProductFactory(sku="NEW", stock=1)
        old = ProductFactory(sku="OLD", stock=1)
        StockAlert.objects.filter(product=old).update(raised_at=timezone.now() - timedelta(days=3))
        assert notifications.stock_alerts_digest_send(since=timezone.now() - timedelta(days=1)) == 1
        [email] = mail.outbox
        assert "NEW" in email.body
        assert "OLD" not in email.body
        assert "Daily low-stock summary: 1 alert" in email.subject

    def test_no_recipient_no_email(self):
        ProductFactory(stock=1)
        assert notifications.stock_alerts_digest_send(since=timezone.now() - timedelta(days=1)) == 0


@pytest.mark.django_db(transaction=True)
def test_saves_in_autocommit_send_one_email_each(manager):
    # Outside a transaction each save commits on its own, and so does its email.
    ProductFactory(sku="AUTO-1", name="Kettle", stock=1)
    ProductFactory(sku="AUTO-2", name="Mug", stock=0)
    assert [email.subject for email in mail.outbox] == [
        "[Backoffice] Low stock: AUTO-1 Kettle (1 left)",
        "[Backoffice] Low stock: AUTO-2 Mug (0 left)",
    ]


class TestStockAtResolution:
    """Every path that resolves an alert keeps the product's stock at that moment."""

    def test_a_save_that_restocks(self):
        product = ProductFactory(stock=1, low_stock_threshold=5)
        product.stock = 25
        product.save()
        (alert,) = alerts_of(product)
        assert (alert.status, alert.stock, alert.stock_at_resolution) == (RESOLVED, 1, 25)

    def test_a_set_wise_sync_after_a_bulk_write(self):
        low = [ProductFactory(stock=stock, low_stock_threshold=5) for stock in (0, 2, 4)]
        Product.objects.filter(pk__in=[p.pk for p in low]).update(stock=30)  # no save()
        Product.objects.filter(pk=low[1].pk).update(stock=7)
        services.stock_alerts_sync_many(product_ids=[p.pk for p in low])
        assert [alerts_of(p)[0].stock_at_resolution for p in low] == [30, 7, 30]
        assert {alerts_of(p)[0].status for p in low} == {RESOLVED}

    def test_sync_all(self):
        product = ProductFactory(stock=2, low_stock_threshold=5)
        Product.objects.filter(pk=product.pk).update(stock=11)
        services.stock_alerts_sync_all()
        assert alerts_of(product)[0].stock_at_resolution == 11

    def test_resolving_by_hand_keeps_the_current_stock(self):
        product = ProductFactory(stock=3, low_stock_threshold=5)
        orphan = StockAlert.objects.create(sku="GONE", product_name="Gone", stock=1, threshold=5)
        services.stock_alerts_resolve(alerts=StockAlert.objects.all())
        assert alerts_of(product)[0].stock_at_resolution == 3
        orphan.refresh_from_db()  # no product: the alert's own last stock
        assert (orphan.status, orphan.stock_at_resolution) == (RESOLVED, 1)

    def test_a_delete_keeps_the_stock_and_the_products_id(self):
        product = ProductFactory(stock=4, low_stock_threshold=5)
        pk = product.pk
        product.delete()
        alert = StockAlert.objects.get(sku=product.sku)
        assert (alert.product_id, alert.deleted_product_pk) == (None, pk)
        assert (alert.status, alert.stock_at_resolution) == (RESOLVED, 4)

    def test_unresolved_alerts_have_none(self):
        product = ProductFactory(stock=3, low_stock_threshold=5)
        assert alerts_of(product)[0].stock_at_resolution is None


def test_relink_gives_a_restored_product_only_its_own_alerts(django_assert_num_queries):
    first, second = ProductFactory(stock=1), ProductFactory(stock=2)
    first_pk = first.pk
    first.delete()
    second.delete()
    ProductFactory(pk=first_pk, sku=first.sku, stock=40)  # back, as a restore brings it
    with django_assert_num_queries(1):
        assert services.stock_alerts_relink(product_id=first_pk) == 1
    assert StockAlert.objects.get(product_id=first_pk).deleted_product_pk is None
    assert StockAlert.objects.get(sku=second.sku).product_id is None
