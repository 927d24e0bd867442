"""alerts.selectors.dashboard_get: every count in one query, rows ready to render."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db.models.sql.compiler import SQLCompiler
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone

from alerts import dashboard_counts, selectors
from alerts.models import DeletionRecord, StockAlert
from tests.factories import ArticleFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

SUPERUSER = User(is_superuser=True, is_active=True)


def user_in(role: str) -> User:
    user = UserFactory(groups=[role])
    user.has_perm("warm.the_permission_cache")  # as the admin has done before the index
    return user


@pytest.fixture
def data():
    ProductFactory(sku="EMPTY", stock=0)
    ProductFactory(sku="LOW", stock=2)
    ProductFactory(sku="FINE", stock=50)
    ProductFactory(stock=1).delete()  # a deletion record; its alert is resolved
    ArticleFactory().delete()
    old = DeletionRecord.objects.order_by("pk").first()
    DeletionRecord.objects.filter(pk=old.pk).update(deleted_at=timezone.now() - timedelta(days=8))


def test_the_counts_come_in_one_query(data, django_assert_num_queries):
    # The counts and the chart (1), the open alerts (1), the largest stock drops (1), the
    # latest deletions (1).
    with django_assert_num_queries(4):
        dashboard = selectors.dashboard_get(user=SUPERUSER)
    assert (dashboard.unresolved_alert_count, dashboard.out_of_stock_count) == (2, 1)
    assert dashboard.deletions_past_7_days == 1
    assert dashboard.chart_total == 3  # every alert raised today, the resolved one too
    assert dashboard.unresolved_alert_count == StockAlert.objects.unresolved().count()


def test_deletions_only_count_only_them(data, django_assert_num_queries):
    editor = user_in("Editors")
    with django_assert_num_queries(2):
        dashboard = selectors.dashboard_get(user=editor)
    assert dashboard.deletions_past_7_days == 1
    assert len(dashboard.recent_deletions) == 2
    assert (dashboard.unresolved_alert_count, dashboard.open_alerts, dashboard.chart) == (0, [], [])


def test_alerts_only(data, django_assert_num_queries):
    manager = user_in("Inventory managers")
    manager.groups.first().permissions.remove(
        *manager.groups.first().permissions.filter(codename="view_deletionrecord")
    )
    manager = User.objects.get(pk=manager.pk)
    manager.has_perm("warm.the_permission_cache")
    # Counts and chart, open alerts, and the largest stock drops (managers view movements).
    with django_assert_num_queries(3):
        dashboard = selectors.dashboard_get(user=manager)
    assert (dashboard.unresolved_alert_count, dashboard.out_of_stock_count) == (2, 1)
    assert (dashboard.deletions_past_7_days, dashboard.recent_deletions) == (0, [])
    assert len(dashboard.chart) == dashboard_counts.CHART_DAYS


def test_nothing_to_count_no_query(django_assert_num_queries):
    user = user_in("User admins")
    user.groups.first().permissions.clear()
    user = User.objects.get(pk=user.pk)
    user.has_perm("warm.the_permission_cache")
    with django_assert_num_queries(0):
        assert not selectors.dashboard_get(user=user).is_visible


def test_rows_carry_the_urls_and_times_the_template_shows(data, settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    ProductFactory(stock=3).delete()
    orphan = StockAlert.objects.create(sku="OLD", product_name="Old", stock=1, threshold=5)
    dashboard = selectors.dashboard_get(user=SUPERUSER)
    assert len(dashboard.open_alerts) == 3
    for item in dashboard.open_alerts:
        alert = item.alert
        assert item.acknowledge_url == reverse(
            "admin:alerts_stockalert_acknowledge", args=[alert.pk]
        )
        assert item.raised_at_title == date_filter(
            timezone.localtime(alert.raised_at), "j M Y, H:i"
        )
        if alert.pk == orphan.pk:
            assert item.product_url == ""
        else:
            assert item.product_url == reverse(
                "admin:catalog_product_change", args=[alert.product_id]
            )
    for item in dashboard.recent_deletions:
        record = item.record
        assert item.url == reverse("admin:alerts_deletionrecord_change", args=[record.pk])
        assert item.restore_url == reverse("admin:alerts_deletionrecord_restore", args=[record.pk])
        assert item.deleted_at_title == date_filter(
            timezone.localtime(record.deleted_at), "j M Y, H:i"
        )


def test_chart_labels():
    ProductFactory(stock=1)
    ProductFactory(stock=2)
    chart = selectors.dashboard_get(user=SUPERUSER).chart
    today = chart[-1]
    assert today.title == f"{date_filter(today.day, 'D j M')}: 2 alerts"
    assert chart[0].title == f"{date_filter(chart[0].day, 'D j M')}: 0 alerts"
    labelled = [bar.position for bar in chart if bar.axis_label]
    assert labelled == [0, 2, 4, 6, 8, 10, 12, 13]
    assert today.axis_label == date_filter(today.day, "j M")
    assert [bar.x for bar in chart[:3]] == [0, 20, 40]


def test_the_next_request_shows_new_alerts(admin_client_for):
    client = admin_client_for("Viewers")
    ProductFactory(stock=1)
    first = client.get(reverse("admin:index")).content.decode()
    assert 'data-open-alerts="1">1</span>' in first
    ProductFactory(stock=2)
    StockAlert.objects.filter(stock=1).update(status=StockAlert.Status.ACKNOWLEDGED)
    second = client.get(reverse("admin:index")).content.decode()
    assert 'data-open-alerts="2">2</span>' in second
    assert ">Acknowledged</span>" in second


def test_the_statements_that_never_change_are_compiled_once(data):
    selectors.dashboard_get(user=SUPERUSER)
    with mock.patch.object(
        SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql
    ) as compile_sql:
        dashboard = selectors.dashboard_get(user=SUPERUSER)
    # The latest deletions (their select_related rows come through the ORM) and the largest
    # stock drops (their 24-hour bound moves with the clock); the counts and the open alerts
    # run from SQL compiled on the first call.
    assert compile_sql.call_count == 2
    assert [item.alert.sku for item in dashboard.open_alerts] == ["EMPTY", "LOW"]
    assert dashboard.open_alerts[0].alert == StockAlert.objects.get(sku="EMPTY")
