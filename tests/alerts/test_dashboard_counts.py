"""The dashboard's kept counts (alerts.models.DashboardCount, triggers of alerts/migrations/0005)
equal a direct count of the rows after every kind of write, and the dashboard reads them."""

import random
import threading
from datetime import datetime, time, timedelta
from time import sleep

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from alerts import dashboard_counts, selectors, services
from alerts.models import DashboardCount, DeletionRecord, StockAlert
from catalog.models import Product
from tests.factories import ArticleFactory, ProductFactory

SUPERUSER = User(is_superuser=True, is_active=True)
Name = DashboardCount.Name


def kept(name: str) -> int:
    return DashboardCount.objects.filter(name=name).aggregate(total=Sum("value"))["total"] or 0


def kept_per_bucket(name: str) -> dict[datetime, int]:
    totals: dict[datetime, int] = {}
    for bucket, value in DashboardCount.objects.filter(name=name).values_list("bucket", "value"):
        totals[bucket] = totals.get(bucket, 0) + value
    return {bucket: value for bucket, value in totals.items() if value}


def counted_per_bucket(model, field: str) -> dict[datetime, int]:
    totals: dict[datetime, int] = {}
    for moment in model.objects.values_list(field, flat=True):
        bucket = dashboard_counts._bucket_floor(moment)
        totals[bucket] = totals.get(bucket, 0) + 1
    return totals


def assert_counts_match_the_rows() -> None:
    assert kept(Name.ALERTS_UNRESOLVED) == StockAlert.objects.unresolved().count()
    acknowledged = StockAlert.objects.filter(status=StockAlert.Status.ACKNOWLEDGED).count()
    assert kept(Name.ALERTS_ACKNOWLEDGED) == acknowledged
    assert kept(Name.PRODUCTS_OUT_OF_STOCK) == Product.objects.out_of_stock().count()
    assert kept_per_bucket(Name.ALERTS_RAISED) == counted_per_bucket(StockAlert, "raised_at")
    assert kept_per_bucket(Name.DELETIONS) == counted_per_bucket(DeletionRecord, "deleted_at")
    dashboard = selectors.dashboard_get(user=SUPERUSER)
    assert dashboard.unresolved_alert_count == StockAlert.objects.unresolved().count()
    assert dashboard.acknowledged_alert_count == acknowledged
    assert dashboard.out_of_stock_count == Product.objects.out_of_stock().count()
    since, until = dashboard_counts._past_7_days()
    assert (
        dashboard.deletions_past_7_days
        == DeletionRecord.objects.filter(deleted_at__gte=since, deleted_at__lt=until).count()
    )
    for bar in dashboard.chart:
        start = timezone.make_aware(datetime.combine(bar.day, time.min))
        end = timezone.make_aware(datetime.combine(bar.day + timedelta(days=1), time.min))
        direct = StockAlert.objects.filter(raised_at__gte=start, raised_at__lt=end).count()
        assert bar.count == direct, bar.day
    assert selectors.stock_alert_open_count() == StockAlert.objects.unresolved().count()


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "Asia/Kathmandu", "America/St_Johns"])
def test_counts_follow_raising_resolving_moving_and_deleting_alerts(settings, zone):
    settings.TIME_ZONE = zone  # +05:45 and -03:30: local midnights on odd quarter hours
    products = [ProductFactory(stock=stock, low_stock_threshold=5) for stock in (0, 1, 2, 9)]
    assert_counts_match_the_rows()  # raised by the receivers, one statement each

    # Moved back in time (ORM update): the alerts leave today's quarter hour for others.
    now = timezone.now()
    for days, alert in enumerate(StockAlert.objects.order_by("pk"), start=1):
        StockAlert.objects.filter(pk=alert.pk).update(raised_at=now - timedelta(days=days))
    assert_counts_match_the_rows()

    # Resolved by a save and by the set-wise sync after a bulk update, acknowledged, resolved.
    products[0].stock = 40
    products[0].save()
    Product.objects.filter(pk=products[1].pk).update(stock=30)
    services.stock_alerts_sync_many(product_ids=[products[1].pk])
    services.stock_alerts_acknowledge(alerts=StockAlert.objects.all(), user=None)
    assert_counts_match_the_rows()
    services.stock_alerts_resolve(alerts=StockAlert.objects.filter(product=products[2]))
    assert_counts_match_the_rows()

    # Raised in bulk (one INSERT of many rows), then some deleted, one deleted by a product.
    Product.objects.filter(pk__in=[p.pk for p in products]).update(stock=0)
    services.stock_alerts_sync_many(product_ids=[p.pk for p in products])
    assert_counts_match_the_rows()
    StockAlert.objects.filter(status=StockAlert.Status.RESOLVED).delete()
    products[3].delete()  # a deletion record; its alert resolved
    ArticleFactory().delete()
    assert_counts_match_the_rows()
    StockAlert.objects.all().delete()
    DeletionRecord.objects.all().delete()
    assert_counts_match_the_rows()


@pytest.mark.django_db
def test_bulk_created_rows_and_raw_sql_are_counted():
    moments = [timezone.now() - timedelta(minutes=7 * n) for n in range(40)]
    StockAlert.objects.bulk_create(
        StockAlert(sku=f"S{n}", product_name="P", stock=0, threshold=3, raised_at=moment)
        for n, moment in enumerate(moments)
    )
    Product.objects.bulk_create(
        Product(sku=f"B{n}", name="B", price=1, stock=n % 3) for n in range(30)
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE alerts_stockalert SET status = 'resolved' WHERE sku LIKE 'S1%%'")
        cursor.execute("UPDATE catalog_product SET stock = 0 WHERE sku IN ('B1', 'B4')")
        cursor.execute("DELETE FROM catalog_product WHERE sku IN ('B0', 'B2')")
    assert_counts_match_the_rows()


@pytest.mark.django_db
def test_any_range_is_counted_exactly():
    # Whole quarter hours from the kept counts, the ends from the rows themselves.
    rng = random.Random(7)
    now = timezone.now()
    StockAlert.objects.bulk_create(
        StockAlert(
            sku=f"R{n}",
            product_name="R",
            stock=0,
            threshold=1,
            raised_at=now - timedelta(seconds=rng.randint(0, 3 * 86_400)),
        )
        for n in range(300)
    )
    for _ in range(40):
        since = now - timedelta(seconds=rng.randint(0, 3 * 86_400), microseconds=rng.randint(0, 9))
        until = since + timedelta(seconds=rng.choice([0, 1, 60, 900, 3_600, 86_400]))
        if rng.random() < 0.3:
            since = dashboard_counts._bucket_floor(since)
        for end in (until, None):
            part = dashboard_counts._dated_count_part(
                Name.ALERTS_RAISED, StockAlert, "raised_at", since, end
            )
            rows = StockAlert.objects.filter(raised_at__gte=since)
            if end is not None:
                rows = rows.filter(raised_at__lt=end)
            assert dashboard_counts._counts([part]) == [rows.count()], (since, end)


def test_the_dashboard_reads_the_same_rows_at_any_size(django_assert_num_queries, db):
    """A fixed number of statements, and at most a day's quarter hours of rows per chart bar
    per slot: what grows with the tables is not read."""
    for stock in (0, 1):
        ProductFactory(stock=stock)
    # Counts and chart, open alerts, largest stock drops, latest deletions.
    with django_assert_num_queries(4):
        small = selectors.dashboard_get(user=SUPERUSER)
    StockAlert.objects.bulk_create(
        StockAlert(sku=f"M{n}", product_name="M", stock=0, threshold=3) for n in range(500)
    )
    with django_assert_num_queries(4):
        large = selectors.dashboard_get(user=SUPERUSER)
    assert large.chart_total == small.chart_total + 500
    assert DashboardCount.objects.filter(name=Name.ALERTS_RAISED).count() <= 2


@pytest.mark.django_db(transaction=True)
def test_flush_leaves_no_count_behind():
    ProductFactory(stock=0)
    ProductFactory(stock=1).delete()
    call_command("flush", verbosity=0, interactive=False)
    assert not DashboardCount.objects.exclude(value=0).exists()
    ProductFactory(stock=0)
    assert kept(Name.PRODUCTS_OUT_OF_STOCK) == 1 == kept(Name.ALERTS_UNRESOLVED)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"
)
def test_concurrent_writers_are_all_counted():
    threads_count, per_thread = 6, 25
    start = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def work(number: int) -> None:
        try:
            start.wait()
            for index in range(per_thread):
                ProductFactory(sku=f"T{number}-{index}", stock=index % 3, low_stock_threshold=2)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert_counts_match_the_rows()
    # Folded as they go: about one row per writer at a time, not one per statement.
    assert DashboardCount.objects.count() <= 3 * (threads_count + 1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"
)
def test_a_writer_never_waits_for_another_on_the_counts():
    """T1 takes the out-of-stock count's change first and keeps its transaction open; T2
    changes that count too while holding a product T1 needs next. With a count row each
    writer had to lock (0005) T2 waited for T1 and T1 for T2: a deadlock, one failed. The
    counts are folded without waiting (0007): T2 goes on, T1 waits for T2's product only."""
    from django.db import transaction

    products = [ProductFactory(sku=f"W{n}", stock=5, low_stock_threshold=1) for n in range(8)]
    for first in range(0, 8, 2):
        own, shared = products[first], products[first + 1]
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def one(own=own, shared=shared, start=start, errors=errors) -> None:
            try:
                with transaction.atomic():
                    Product.objects.filter(pk=own.pk).update(stock=0)  # counted
                    start.wait()
                    sleep(0.3)  # T2 takes `shared` and changes the count meanwhile
                    Product.objects.filter(pk=shared.pk).update(stock=7)
            except BaseException as error:
                errors.append(error)
            finally:
                connection.close()

        def two(shared=shared, start=start, errors=errors) -> None:
            try:
                with transaction.atomic():
                    start.wait()
                    Product.objects.filter(pk=shared.pk).update(stock=0)  # counted
                    sleep(0.6)
            except BaseException as error:
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=one), threading.Thread(target=two)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
    assert_counts_match_the_rows()
