"""The dashboard chart's day buckets: local midnights, both ends, in one query."""

from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from alerts import dashboard_counts, selectors
from alerts.models import StockAlert
from tests.factories import ProductFactory


def raise_alert_at(moment: datetime) -> None:
    product = ProductFactory(stock=1)  # low on stock: the receiver raises an alert
    StockAlert.objects.filter(product=product).update(raised_at=moment)


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/Los_Angeles"])
def test_alerts_fall_on_their_local_day(settings, django_assert_num_queries, zone):
    settings.TIME_ZONE = zone
    today = timezone.localdate()
    first_day = today - timedelta(days=dashboard_counts.CHART_DAYS - 1)

    def local(day, at=time.min):
        return timezone.make_aware(datetime.combine(day, at))

    raise_alert_at(local(today))  # midnight belongs to the day it starts
    raise_alert_at(local(today, time(12)))
    raise_alert_at(local(today) - timedelta(microseconds=1))  # last instant of yesterday
    raise_alert_at(local(first_day))  # first instant of the chart
    raise_alert_at(local(first_day) - timedelta(microseconds=1))  # just before: not shown
    raise_alert_at(local(today + timedelta(days=1)))  # tomorrow (a wrong clock): not shown

    with django_assert_num_queries(1):
        chart = dashboard_counts._alerts_raised_per_day()

    assert [bar.day for bar in chart] == [
        first_day + timedelta(days=offset) for offset in range(dashboard_counts.CHART_DAYS)
    ]
    counts = {bar.day: bar.count for bar in chart}
    assert counts[today] == 2
    assert counts[today - timedelta(days=1)] == 1
    assert counts[first_day] == 1
    assert sum(counts.values()) == 4
    assert chart[-1].height == dashboard_counts.CHART_HEIGHT


@pytest.mark.django_db
def test_an_empty_chart_has_fourteen_flat_days():
    chart = selectors.dashboard_get(user=User(is_superuser=True, is_active=True)).chart
    assert [(bar.count, bar.height) for bar in chart] == [(0, 0)] * dashboard_counts.CHART_DAYS
