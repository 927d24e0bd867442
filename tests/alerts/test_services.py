"""The low-stock rules and notifications, called directly through alerts.services."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from alerts import services
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
        services.stock_alert_sync(product=product)
        [alert] = alerts_of(product)
        assert (alert.stock, alert.product_name, alert.status) == (1, "Renamed", OPEN)

    def test_an_acknowledged_alert_follows_the_stock_and_stays_acknowledged(self, manager):
        product = ProductFactory(stock=4, low_stock_threshold=5)
        services.stock_alerts_acknowledge(alerts=StockAlert.objects.all(), user=manager)
        product.stock = 2
        services.stock_alert_sync(product=product)
        [alert] = alerts_of(product)
        assert (alert.status, alert.stock, alert.acknowledged_by) == (ACKNOWLEDGED, 2, manager)

    def test_restocking_resolves_and_a_later_drop_raises_a_new_alert(self):
        product = ProductFactory(stock=1, low_stock_threshold=5)
        product.stock = 10
        services.stock_alert_sync(product=product)
        [first] = alerts_of(product)
        assert first.status == RESOLVED and first.resolved_at is not None
        product.stock = 3
        services.stock_alert_sync(product=product)
        first_again, second = alerts_of(product)
        assert (first_again.status, second.status, second.stock) == (RESOLVED, OPEN, 3)

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
        ("start_stock", "new_stock"),
        [(50, 1), (1, 2), (1, 50), (50, 60)],
        ids=["raise", "refresh", "resolve", "nothing-to-do"],
    )
    def test_saving_a_product_costs_at_most_two_extra_queries(
        self, django_assert_max_num_queries, start_stock, new_stock
    ):
        product = ProductFactory(stock=start_stock, low_stock_threshold=5)
        product.stock = new_stock
        # One UPDATE for the product itself, plus at most two for its alert.
        with django_assert_max_num_queries(3):
            product.save()


class TestSetWise:
    def test_sync_all_raises_refreshes_and_resolves(self):
        raise_me = product_low_without_signals(sku="RAISE", stock=1)
        refresh_me = ProductFactory(stock=3, low_stock_threshold=5)
        resolve_me = ProductFactory(stock=2, low_stock_threshold=5)
        Product.objects.filter(pk=refresh_me.pk).update(stock=1)
        Product.objects.filter(pk=resolve_me.pk).update(stock=40)
        fine = ProductFactory(stock=40)

        result = services.stock_alerts_sync()

        assert (result.raised, result.refreshed, result.resolved) == (1, 1, 1)
        assert [(a.status, a.stock) for a in alerts_of(raise_me)] == [(OPEN, 1)]
        assert [(a.status, a.stock) for a in alerts_of(refresh_me)] == [(OPEN, 1)]
        assert [a.status for a in alerts_of(resolve_me)] == [RESOLVED]
        assert alerts_of(fine) == []

    def test_sync_only_touches_the_given_products(self):
        listed = product_low_without_signals(sku="LISTED")
        unlisted = product_low_without_signals(sku="UNLISTED")
        services.stock_alerts_sync(product_ids=[listed.pk])
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
        services.stock_alerts_sync(product_ids=[p.pk for p in products])
        by_sync = sorted(StockAlert.objects.values_list("sku", "stock", "threshold", "status"))
        assert by_sync == by_saves and len(by_sync) == 24  # stock 0-4 of 0-8

    def test_more_ids_than_sqlite_allows_in_one_query(self):
        products = Product.objects.bulk_create(
            Product(sku=f"MANY-{n}", name="n", price=1, stock=0, low_stock_threshold=5)
            for n in range(2100)
        )
        result = services.stock_alerts_sync(product_ids=[p.pk for p in products])
        assert result.raised == 2100
        assert StockAlert.objects.unresolved().count() == 2100

    def test_a_long_id_list_syncs_every_product_in_a_few_queries(
        self, monkeypatch, django_assert_max_num_queries
    ):
        monkeypatch.setattr(services, "SYNC_ALL_FROM_IDS", 3)
        products = Product.objects.bulk_create(
            Product(sku=f"LONG-{n}", name="n", price=1, stock=n, low_stock_threshold=5)
            for n in range(10)
        )
        # Savepoint and release, resolve, refresh, select the missing, one insert.
        with django_assert_max_num_queries(6):
            result = services.stock_alerts_sync(product_ids=[p.pk for p in products[:4]])
        assert result.raised == 5  # stock 0-4: every low product, listed or not

    @pytest.mark.parametrize("size", [3, 300])
    def test_sync_all_runs_in_a_constant_number_of_queries(
        self, django_assert_max_num_queries, size
    ):
        Product.objects.bulk_create(
            Product(sku=f"Q-{n}", name="n", price=1, stock=n % 7, low_stock_threshold=5)
            for n in range(size)
        )
        low = Product.objects.low_on_stock().count()
        # Savepoint and release, resolve, refresh, select the missing, then the inserts:
        # one on PostgreSQL, one per 99 rows on SQLite (Django's 999-parameter budget).
        inserts = -(-low // 99)
        with django_assert_max_num_queries(2 + 3 + inserts):
            services.stock_alerts_sync()
        assert StockAlert.objects.unresolved().count() == low

    def test_resolve_and_acknowledge_only_change_what_they_should(self, manager):
        open_alert = alerts_of(ProductFactory(stock=1))[0]
        resolved_product = ProductFactory(stock=1)
        services.stock_alerts_resolve(alerts=StockAlert.objects.filter(product=resolved_product))
        assert services.stock_alerts_acknowledge(alerts=StockAlert.objects.all(), user=manager) == 1
        open_alert.refresh_from_db()
        assert (open_alert.status, open_alert.acknowledged_by) == (ACKNOWLEDGED, manager)
        assert services.stock_alerts_resolve(alerts=StockAlert.objects.all()) == 1


class TestEmails:
    def test_one_email_per_alert_raised_by_a_save_after_commit(
        self, manager, django_capture_on_commit_callbacks
    ):
        UserFactory(username="no-role")  # not an Inventory manager: gets nothing
        with django_capture_on_commit_callbacks(execute=True):
            ProductFactory(sku="MAIL-1", name="Kettle", stock=1)
            ProductFactory(sku="MAIL-2", name="Mug", stock=0)
            assert mail.outbox == []  # nothing before the commit
        assert len(mail.outbox) == 2
        assert mail.outbox[0].to == [manager.email]
        assert "MAIL-1" in mail.outbox[0].subject and "Kettle" in mail.outbox[0].body

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
        assert callbacks == [] and mail.outbox == []

    def test_a_set_wise_sync_sends_one_email_listing_every_alert(
        self, manager, django_capture_on_commit_callbacks
    ):
        Product.objects.bulk_create(
            Product(sku=f"SET-{n:02}", name=f"Item {n}", price=1, stock=0, low_stock_threshold=5)
            for n in range(60)
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.stock_alerts_sync()
        [email] = mail.outbox
        assert "60 new alerts" in email.subject
        assert "SET-00" in email.body and "… and 10 more." in email.body

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
        assert services.stock_alerts_digest_send(since=timezone.now() - timedelta(days=1)) == 1
        [email] = mail.outbox
        assert "NEW" in email.body and "OLD" not in email.body
        assert "Daily low-stock summary: 1 alert" in email.subject

    def test_no_recipient_no_email(self):
        ProductFactory(stock=1)
        assert services.stock_alerts_digest_send(since=timezone.now() - timedelta(days=1)) == 0
