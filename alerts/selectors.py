"""Reads of the alerts app: everything the admin dashboard shows, in a fixed number of queries."""

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.apps import apps
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.signals import setting_changed
from django.db import connection
from django.db.models import F, QuerySet
from django.template.defaultfilters import pluralize
from django.utils import dateformat, timezone
from django.utils.translation import get_language

from backoffice.kit.admin_urls import object_url
from backoffice.kit.jobs.rules import user_may_import_anything
from backoffice.kit.jobs.selectors import (
    FinishedImport,
    import_jobs_finished_count_part,
    import_jobs_finished_recently,
)
from catalog.models import MOVEMENT_HOW, movement_summary

from .models import DashboardCount, DeletionRecord, StockAlert
from .rules import deletion_record_may_restore, deletion_records_with_grants

DASHBOARD_ALERTS = 10
DASHBOARD_DELETIONS = 8
DASHBOARD_DROPS = 8
CHART_DAYS = 14


CHART_HEIGHT = 100  # SVG units of the tallest bar
CHART_BAR_SPACING = 20  # SVG units from one bar to the next


@dataclass(frozen=True)
class ChartDay:
    """One bar of the chart with its geometry and labels, so the template does no
    arithmetic and no date formatting (a |date filter costs ~50 us; the chart had 21).
    """

    day: date
    position: int  # 0 for the oldest day
    count: int
    height: int  # in SVG units, relative to the tallest bar
    title: str  # "Wed 12 Nov: 3 alerts"
    axis_label: str  # "12 Nov" under every other bar from the first and under the last

    @property
    def top(self) -> int:
        return CHART_HEIGHT - self.height

    @property
    def x(self) -> int:
        return self.position * CHART_BAR_SPACING


@dataclass(frozen=True)
class OpenAlert:
    alert: StockAlert
    raised_at_title: str  # local time to the minute, for the tooltip
    product_url: str  # the product's change page; "" once the product is deleted
    acknowledge_url: str
    raised_by: str = ""  # "stock 12 → 3 by import x.csv, by ines": the movement that raised it
    raised_by_url: str = ""


@dataclass(frozen=True)
class StockDrop:
    """One of the largest stock drops of the last 24 hours: what, how much, how, who."""

    movement: object  # catalog.StockMovement
    how: str
    at_title: str  # local time to the minute
    product_url: str  # "" once the product is deleted


@dataclass(frozen=True)
class RecentDeletion:
    record: DeletionRecord
    can_restore: bool
    deleted_at_title: str  # local time to the minute, for the tooltip
    url: str
    restore_url: str


@dataclass(frozen=True)
class Dashboard:
    can_view_alerts: bool = False
    can_acknowledge: bool = False
    can_view_deletions: bool = False
    open_alert_count: int = 0
    out_of_stock_count: int = 0
    deletions_last_7_days: int = 0
    open_alerts: list[OpenAlert] = field(default_factory=list)
    can_view_movements: bool = False
    stock_drops: list[StockDrop] = field(default_factory=list)
    recent_deletions: list[RecentDeletion] = field(default_factory=list)
    chart: list[ChartDay] = field(default_factory=list)
    finished_import_count: int = 0
    finished_imports: list[FinishedImport] = field(default_factory=list)

    @property
    def chart_total(self) -> int:
        return sum(day.count for day in self.chart)

    @property
    def is_visible(self) -> bool:
        return self.can_view_alerts or self.can_view_deletions or self.can_view_movements


def stock_alert_open_count() -> int:
    """Unresolved alerts (open or acknowledged): the side-menu badge, from the kept count."""
    return _counts([_kept_count_part(DashboardCount.Name.ALERTS_UNRESOLVED)])[0]


def dashboard_get(*, user: AbstractBaseUser) -> Dashboard:
    """The dashboard for this user; parts they may not view stay empty and are not queried.

    Every count (open alerts, products out of stock, the chart's days, recent deletions)
    goes to the database in one statement: on this page the ORM's work per query costs more
    than the counting, and on PostgreSQL every statement is a round trip. For the same
    reason the statements whose SQL never changes are compiled once per process (_sql).
    The counts are read from DashboardCount, which triggers keep: a few hundred small rows
    at any table size, where counting the rows themselves grew with the tables.
    """
    can_view_alerts = user.has_perm("alerts.view_stockalert")
    can_view_deletions = user.has_perm("alerts.view_deletionrecord")
    data: dict = {"can_view_alerts": can_view_alerts, "can_view_deletions": can_view_deletions}
    counted: dict[str, tuple[str, Sequence]] = {}
    if can_view_alerts:
        counted["open_alert_count"] = _kept_count_part(DashboardCount.Name.ALERTS_UNRESOLVED)
        counted["out_of_stock_count"] = _kept_count_part(DashboardCount.Name.PRODUCTS_OUT_OF_STOCK)
    if can_view_deletions:
        counted["deletions_last_7_days"] = _deleted_since_part(timezone.now() - timedelta(days=7))
    if user_may_import_anything(user=user):
        counted["finished_import_count"] = import_jobs_finished_count_part(user=user)
    days = _chart_days() if can_view_alerts else []
    counts = _counts([*counted.values(), *_raised_per_day_parts(days)]) if counted else []
    data.update(zip(counted, counts[: len(counted)], strict=True))
    if can_view_alerts:
        product_url = object_url("admin:catalog_product_change")
        acknowledge_url = object_url("admin:alerts_stockalert_acknowledge")
        data.update(
            can_acknowledge=user.has_perm("alerts.acknowledge_stockalert"),
            open_alerts=[
                OpenAlert(
                    alert=alert,
                    raised_at_title=_minute(alert.raised_at),
                    product_url=product_url(alert.product_id) if alert.product_id else "",
                    acknowledge_url=acknowledge_url(alert.pk),
                    **_raised_by(alert),
                )
                for alert in StockAlert.objects.raw(*_sql(_most_urgent_open_alerts))
            ],
            chart=_chart(days, counts[len(counted) :]),
        )
    if user.has_perm("catalog.view_stockmovement"):
        data.update(can_view_movements=True, stock_drops=_largest_stock_drops())
    if can_view_deletions:
        # The snapshot is not shown here (an article's holds its whole body), nor the
        # deleting user beyond the username kept on the record.
        records = deletion_records_with_grants(
            DeletionRecord.objects.select_related("content_type").defer("snapshot")
        )
        record_url = object_url("admin:alerts_deletionrecord_change")
        restore_url = object_url("admin:alerts_deletionrecord_restore")
        data.update(
            recent_deletions=[
                RecentDeletion(
                    record=record,
                    can_restore=deletion_record_may_restore(user=user, record=record),
                    deleted_at_title=_minute(record.deleted_at),
                    url=record_url(record.pk),
                    restore_url=restore_url(record.pk),
                )
                for record in records[:DASHBOARD_DELETIONS]
            ],
        )
    if data.get("finished_import_count"):
        data["finished_imports"] = import_jobs_finished_recently(user=user)
    return Dashboard(**data)


def _most_urgent_open_alerts() -> QuerySet:
    # resolved_at IS NULL repeats what unresolved() means in the words of the partial index
    # alerts_stockalert_urgency_idx, so every database reads the first rows from it instead
    # of sorting all unresolved alerts. The movement that raised each comes in the same
    # statement (a join by primary key on ten rows).
    return (
        StockAlert.objects.unresolved()
        .filter(resolved_at__isnull=True)
        .annotate(
            movement_before=F("movement__stock_before"),
            movement_after=F("movement__stock_after"),
            movement_reason=F("movement__reason"),
            movement_note=F("movement__note"),
            movement_by=F("movement__actor_username"),
        )
        .most_urgent_first()[:DASHBOARD_ALERTS]
    )


def _raised_by(alert: StockAlert) -> dict[str, str]:
    if alert.movement_id is None:
        return {}
    return {
        "raised_by": movement_summary(
            stock_before=alert.movement_before,
            stock_after=alert.movement_after,
            reason=alert.movement_reason,
            note=alert.movement_note,
            actor_username=alert.movement_by,
        ),
        "raised_by_url": object_url("admin:catalog_stockmovement_change")(alert.movement_id),
    }


def _largest_stock_drops() -> list[StockDrop]:
    """The largest decreases of stock in the last 24 hours, largest first, in one query: a
    range of the (created_at, delta) index, whatever the size of the ledger."""
    StockMovement = apps.get_model("catalog", "StockMovement")
    since = timezone.now() - timedelta(hours=24)
    drops = StockMovement.objects.filter(created_at__gte=since, delta__lt=0).order_by(
        "delta", "-id"
    )[:DASHBOARD_DROPS]
    product_url = object_url("admin:catalog_product_change")
    return [
        StockDrop(
            movement=movement,
            how=MOVEMENT_HOW.get(movement.reason, movement.reason),
            at_title=_minute(movement.created_at),
            product_url=product_url(movement.product_id) if movement.product_id else "",
        )
        for movement in drops
    ]


@functools.cache
def _compiled(build: Callable[[], QuerySet], alias: str) -> tuple[str, tuple]:
    return build().query.get_compiler(using=alias).as_sql()


def _sql(build: Callable[[], QuerySet]) -> tuple[str, tuple]:
    """The SQL and parameters of build()'s queryset, compiled once per process.

    Building and compiling the open-alert list takes ~0.45 ms, ten times what SQLite needs to
    run it at 100k alerts, and the result is the same on every request: these querysets hold
    no date, user or setting, only the models' definitions and the database's dialect. (The
    compiled statements are cleared with every setting change, for tests that swap
    databases.) The rows come back through Model.objects.raw, as model instances.
    """
    return _compiled(build, connection.alias)


def _clear_compiled(**kwargs) -> None:
    _compiled.cache_clear()


setting_changed.connect(_clear_compiled, dispatch_uid="alerts.selectors.clear_compiled")


def _minute(moment: datetime) -> str:
    """The moment in the current time zone to the minute, as |date:"Y-m-d H:i" shows it
    ("2026-11-12 14:05"), at a tenth of the filter's cost per row."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@functools.lru_cache(maxsize=4 * CHART_DAYS)
def _day_labels(day: date, language: str) -> tuple[str, str]:
    """The chart's "Wed 12 Nov" and "12 Nov": the same on every request of the day."""
    return dateformat.format(day, "D j M"), dateformat.format(day, "j M")


def _quoted(model, field: str | None = None) -> str:
    if field is None:
        return connection.ops.quote_name(model._meta.db_table)
    return connection.ops.quote_name(model._meta.get_field(field).column)


def _bound(moment: datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def _bucket_floor(moment: datetime) -> datetime:
    """The start of moment's quarter hour (quarter hours of UTC: DashboardCount's buckets)."""
    moment = moment.astimezone(UTC)
    minutes = moment.minute - moment.minute % DashboardCount.BUCKET_MINUTES
    return moment.replace(minute=minutes, second=0, microsecond=0)


def _bucket_ceil(moment: datetime) -> datetime:
    floor = _bucket_floor(moment)
    return floor if floor == moment else floor + timedelta(minutes=DashboardCount.BUCKET_MINUTES)


def _kept_count_part(name: str, since: datetime | None = None, until: datetime | None = None):
    """A scalar SELECT of a DashboardCount total: all of it, or its quarter hours in
    [since, until), both quarter-hour boundaries."""
    sql = (
        f"SELECT COALESCE(SUM({_quoted(DashboardCount, 'value')}), 0)"
        f" FROM {_quoted(DashboardCount)} WHERE {_quoted(DashboardCount, 'name')} = %s"
    )
    params: list = [name]
    bucket = _quoted(DashboardCount, "bucket")
    if since is not None:
        sql += f" AND {bucket} >= %s"
        params.append(_bound(since))
    if until is not None:
        sql += f" AND {bucket} < %s"
        params.append(_bound(until))
    return sql, params


def _rows_between_part(model, field: str, since: datetime, until: datetime | None):
    """A scalar SELECT counting the rows whose `field` is in [since, until): a range of
    that field's index, used for what lies outside whole quarter hours."""
    column = _quoted(model, field)
    sql = f"SELECT COUNT(*) FROM {_quoted(model)} WHERE {column} >= %s"
    params = [_bound(since)]
    if until is not None:
        sql += f" AND {column} < %s"
        params.append(_bound(until))
    return sql, params


def _dated_count_part(name: str, model, field: str, since: datetime, until: datetime | None):
    """The rows of `model` with `field` in [since, until) (until None: no end), exactly:
    whole quarter hours from DashboardCount, the part of a quarter hour at either end
    from the rows themselves (at most a quarter hour of rows, whatever the table's size)."""
    first = _bucket_ceil(since)
    last = None if until is None else _bucket_floor(until)
    if last is not None and last < first:  # within one quarter hour
        return _rows_between_part(model, field, since, until)
    parts = [_kept_count_part(name, first, last)]
    if first != since:
        parts.append(_rows_between_part(model, field, since, first))
    if until is not None and last != until:
        parts.append(_rows_between_part(model, field, last, until))
    sql = " + ".join(f"({part_sql})" for part_sql, _ in parts)
    return f"SELECT {sql}", [param for _, part_params in parts for param in part_params]


def _deleted_since_part(moment: datetime) -> tuple[str, list]:
    """The deletion records since moment, as a scalar SELECT for _counts."""
    name = DashboardCount.Name.DELETIONS
    return _dated_count_part(name, DeletionRecord, "deleted_at", moment, None)


def _counts(parts: list[tuple[str, Sequence]]) -> list[int]:
    """The value of each scalar SELECT, in order, from one statement."""
    sql = " UNION ALL ".join(
        f"SELECT {position}, ({part_sql})" for position, (part_sql, _) in enumerate(parts)
    )
    params = [param for _, part_params in parts for param in part_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = dict(cursor.fetchall())
    return [int(counts[position]) for position in range(len(parts))]


def _chart_days() -> list[date]:
    today = timezone.localdate()
    return [today - timedelta(days=CHART_DAYS - 1 - offset) for offset in range(CHART_DAYS)]


def _raised_per_day_parts(days: list[date]) -> list[tuple[str, list]]:
    """The alerts raised on each day, between local midnights, as scalar SELECTs for _counts.

    Each is a sum of the day's quarter hours in DashboardCount (a local midnight falls on a
    quarter hour in every time zone in use; one that does not is counted exactly all the
    same, see _dated_count_part). A date function per row (raised_at__date, TruncDate)
    would read every row.
    """
    if not days:
        return []
    bounds = [
        timezone.make_aware(datetime.combine(day, time.min))
        for day in [*days, days[-1] + timedelta(days=1)]
    ]
    return [
        _dated_count_part(DashboardCount.Name.ALERTS_RAISED, StockAlert, "raised_at", since, until)
        for since, until in itertools.pairwise(bounds)
    ]


def _chart(days: list[date], counts: list[int]) -> list[ChartDay]:
    tallest = max(counts, default=0)
    bars = []
    for position, (day, count) in enumerate(zip(days, counts, strict=True)):
        day_title, day_label = _day_labels(day, get_language())
        bars.append(
            ChartDay(
                day=day,
                position=position,
                count=count,
                height=round(CHART_HEIGHT * count / tallest) if tallest else 0,
                title=f"{day_title}: {count} alert{pluralize(count)}",
                axis_label=day_label if position % 2 == 0 or position == len(days) - 1 else "",
            )
        )
    return bars


def _alerts_raised_per_day() -> list[ChartDay]:
    """The chart alone, in one query."""
    days = _chart_days()
    return _chart(days, _counts(_raised_per_day_parts(days)))
