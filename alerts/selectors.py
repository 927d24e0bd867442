"""Reads of the alerts app: everything the admin dashboard shows, in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection
from django.utils import timezone

from .models import DeletionRecord, StockAlert

DASHBOARD_ALERTS = 10
DASHBOARD_DELETIONS = 8
CHART_DAYS = 14


CHART_HEIGHT = 100  # SVG units of the tallest bar


@dataclass(frozen=True)
class ChartDay:
    """One bar of the chart, with its geometry so the template needs no arithmetic."""

    day: date
    count: int
    height: int  # in SVG units, relative to the tallest bar

    @property
    def top(self) -> int:
        return CHART_HEIGHT - self.height


@dataclass(frozen=True)
class RecentDeletion:
    record: DeletionRecord
    can_restore: bool


@dataclass(frozen=True)
class Dashboard:
    can_view_alerts: bool = False
    can_acknowledge: bool = False
    can_view_deletions: bool = False
    open_alert_count: int = 0
    out_of_stock_count: int = 0
    deletions_last_7_days: int = 0
    open_alerts: list[StockAlert] = field(default_factory=list)
    recent_deletions: list[RecentDeletion] = field(default_factory=list)
    chart: list[ChartDay] = field(default_factory=list)

    @property
    def chart_total(self) -> int:
        return sum(day.count for day in self.chart)

    @property
    def is_visible(self) -> bool:
        return self.can_view_alerts or self.can_view_deletions


def stock_alert_open_count() -> int:
    """Unresolved alerts (open or acknowledged): the side-menu badge."""
    return StockAlert.objects.unresolved().count()


def dashboard_get(*, user: AbstractBaseUser) -> Dashboard:
    """The dashboard for this user; parts they may not view stay empty and are not queried."""
    can_view_alerts = user.has_perm("alerts.view_stockalert")
    can_view_deletions = user.has_perm("alerts.view_deletionrecord")
    data: dict = {"can_view_alerts": can_view_alerts, "can_view_deletions": can_view_deletions}
    if can_view_alerts:
        data.update(
            can_acknowledge=user.has_perm("alerts.acknowledge_stockalert"),
            open_alert_count=stock_alert_open_count(),
            out_of_stock_count=apps.get_model("catalog", "Product").objects.out_of_stock().count(),
            # resolved_at IS NULL repeats what unresolved() means in the words of the
            # partial index alerts_stockalert_urgency_idx, so every database reads the first
            # rows from it instead of sorting all unresolved alerts.
            open_alerts=list(
                StockAlert.objects.unresolved()
                .filter(resolved_at__isnull=True)
                .most_urgent_first()[:DASHBOARD_ALERTS]
            ),
            chart=_alerts_raised_per_day(),
        )
    if can_view_deletions:
        week_ago = timezone.now() - timedelta(days=7)
        records = DeletionRecord.objects.select_related("content_type", "deleted_by")
        data.update(
            deletions_last_7_days=DeletionRecord.objects.filter(deleted_at__gte=week_ago).count(),
            recent_deletions=[
                RecentDeletion(record=record, can_restore=_can_restore(user, record))
                for record in records[:DASHBOARD_DELETIONS]
            ],
        )
    return Dashboard(**data)


def _can_restore(user: AbstractBaseUser, record: DeletionRecord) -> bool:
    # has_perm reads the permission cache filled once per request: no query per row.
    content_type = record.content_type
    return not record.is_restored and user.has_perm(
        f"{content_type.app_label}.add_{content_type.model}"
    )


def _alerts_raised_per_day() -> list[ChartDay]:
    today = timezone.localdate()
    first_day = today - timedelta(days=CHART_DAYS - 1)
    days = [first_day + timedelta(days=offset) for offset in range(CHART_DAYS)]
    # One COUNT per day between local midnights, glued into a single query with UNION ALL:
    # each part is a range count on the raised_at index. A date function per row
    # (raised_at__date, TruncDate) reads every row, and on SQLite calls Python once per row
    # (hundreds of ms at 100k alerts); FILTER clauses cost ~20 ms per 10k rows there, and 14
    # ORM querysets cost more to compile than the query takes. Hence plain SQL.
    bounds = [
        connection.ops.adapt_datetimefield_value(
            timezone.make_aware(datetime.combine(first_day + timedelta(days=offset), time.min))
        )
        for offset in range(CHART_DAYS + 1)
    ]
    table = connection.ops.quote_name(StockAlert._meta.db_table)
    raised_at = connection.ops.quote_name(StockAlert._meta.get_field("raised_at").column)
    sql = " UNION ALL ".join(
        f"SELECT {index}, COUNT(*) FROM {table} WHERE {raised_at} >= %s AND {raised_at} < %s"
        for index in range(CHART_DAYS)
    )
    params = [bound for index in range(CHART_DAYS) for bound in bounds[index : index + 2]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = {days[index]: count for index, count in cursor.fetchall()}
    tallest = max(counts.values(), default=0)
    return [
        ChartDay(
            day=day,
            count=counts.get(day, 0),
            height=round(CHART_HEIGHT * counts.get(day, 0) / tallest) if tallest else 0,
        )
        for day in days
    ]
