"""The dashboard's counts and chart: totals kept in DashboardCount plus the rows of partial
quarter hours, all in one UNION ALL statement (docs/architecture.md#why-the-fast-paths-exist)."""

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.template.defaultfilters import pluralize
from django.utils import dateformat, timezone
from django.utils.translation import get_language

from .models import DashboardCount, DeletionRecord, StockAlert

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


def _rows_part(queryset) -> tuple[str, list]:
    """A scalar SELECT counting a queryset's rows, where no kept total fits (the deletion
    records of the models one user may view)."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    return f"SELECT COUNT(*) FROM ({sql}) counted", list(params)


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
    return _deleted_between_part(moment, None)


def _deleted_between_part(since: datetime, until: datetime | None) -> tuple[str, list]:
    """The deletion records in [since, until), as a scalar SELECT for _counts."""
    name = DashboardCount.Name.DELETIONS
    return _dated_count_part(name, DeletionRecord, "deleted_at", since, until)


def _past_7_days() -> tuple[datetime, datetime]:
    """[local midnight 7 days ago, tomorrow's midnight): the range of the admin's date
    filter's "Past 7 days" (DateFieldListFilter), so the dashboard's count and the list it
    links to hold the same records. Midnights fall on quarter hours: only kept counts."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=7), today + timedelta(days=1)


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
