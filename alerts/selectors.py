"""Reads of the alerts app: everything the admin dashboard shows, in a fixed number of queries."""

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.signals import setting_changed
from django.db import connection
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode

from backoffice.kit.admin_urls import object_url
from backoffice.kit.jobs.rules import user_may_import_anything
from backoffice.kit.jobs.selectors import (
    FinishedImport,
    import_jobs_finished_count_part,
    import_jobs_finished_recently,
)
from backoffice.kit.moments import moment_ago, moment_display
from catalog.models import MOVEMENT_HOW, movement_summary

from .dashboard_counts import (
    ChartDay,
    _chart,
    _chart_days,
    _counts,
    _deleted_between_part,
    _kept_count_part,
    _past_7_days,
    _raised_per_day_parts,
    _rows_part,
)
from .models import DashboardCount, DeletionRecord, StockAlert
from .rules import (
    deletion_record_may_restore,
    deletion_records_visible_to,
    deletion_records_with_grants,
)

DASHBOARD_ALERTS = 10
DASHBOARD_DELETIONS = 8
DASHBOARD_DROPS = 8


@dataclass(frozen=True)
class OpenAlert:
    alert: StockAlert
    raised_at_title: str  # in the shop's date format, for the tooltip
    raised_ago: str  # "just now", "2 hours ago"
    product_url: str  # the product's change page; "" once the product is deleted
    acknowledge_url: str
    raised_by: str = ""  # "stock 12 → 3 by import x.csv, by ines": the movement that raised it
    raised_by_url: str = ""


@dataclass(frozen=True)
class StockDrop:
    """One of the largest stock drops of the last 24 hours: what, how much, how, who."""

    movement: object  # catalog.StockMovement
    how: str
    at_title: str  # in the shop's date format
    ago: str
    product_url: str  # "" once the product is deleted


@dataclass(frozen=True)
class RecentDeletion:
    record: DeletionRecord
    can_restore: bool
    deleted_at_title: str  # in the shop's date format, for the tooltip
    deleted_ago: str
    url: str
    restore_url: str


@dataclass(frozen=True)
class Dashboard:
    can_view_alerts: bool = False
    can_acknowledge: bool = False
    can_view_deletions: bool = False
    unresolved_alert_count: int = 0  # open or acknowledged
    acknowledged_alert_count: int = 0
    out_of_stock_count: int = 0
    deletions_past_7_days: int = 0
    # The deletion list's "Past 7 days" filter: the same rows as the count.
    deletions_past_7_days_query: str = ""
    deletions_past_7_days_since: str = ""  # "since 23 Nov 2026"
    open_alerts: list[OpenAlert] = field(default_factory=list)
    can_view_movements: bool = False
    stock_drops: list[StockDrop] = field(default_factory=list)
    recent_deletions: list[RecentDeletion] = field(default_factory=list)
    chart: list[ChartDay] = field(default_factory=list)
    finished_import_count: int = 0
    finished_imports: list[FinishedImport] = field(default_factory=list)

    @property
    def open_alert_count(self) -> int:
        """Unresolved alerts nobody has acknowledged yet."""
        return self.unresolved_alert_count - self.acknowledged_alert_count

    @property
    def unresolved_detail(self) -> str:
        return f"{self.open_alert_count} open · {self.acknowledged_alert_count} acknowledged"

    @property
    def unresolved_colour(self) -> str:
        """Red while some wait for someone, amber when all are acknowledged, else green."""
        if self.open_alert_count:
            return "text-bg-danger"
        return "text-bg-warning" if self.unresolved_alert_count else "text-bg-success"

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
    now = timezone.now()
    can_view_alerts = user.has_perm("alerts.view_stockalert")
    can_view_deletions = user.has_perm("alerts.view_deletionrecord")
    data: dict = {"can_view_alerts": can_view_alerts, "can_view_deletions": can_view_deletions}
    counted: dict[str, tuple[str, Sequence]] = {}
    if can_view_alerts:
        counted["unresolved_alert_count"] = _kept_count_part(DashboardCount.Name.ALERTS_UNRESOLVED)
        counted["acknowledged_alert_count"] = _kept_count_part(
            DashboardCount.Name.ALERTS_ACKNOWLEDGED
        )
        counted["out_of_stock_count"] = _kept_count_part(DashboardCount.Name.PRODUCTS_OUT_OF_STOCK)
    if can_view_deletions:
        since, until = _past_7_days()
        # A superuser's from the kept counts; anyone else's the records they may view.
        counted["deletions_past_7_days"] = (
            _deleted_between_part(since, until)
            if user.is_superuser
            else _rows_part(_visible(user, deleted_at__gte=since, deleted_at__lt=until))
        )
        data["deletions_past_7_days_query"] = urlencode(
            {"deleted_at__gte": str(since), "deleted_at__lt": str(until)}
        )
        data["deletions_past_7_days_since"] = f"since {date_format(since)}"
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
                    raised_at_title=moment_display(alert.raised_at),
                    raised_ago=moment_ago(alert.raised_at, now=now),
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
            _visible(user).select_related("content_type").defer("snapshot")
        )
        record_url = object_url("admin:alerts_deletionrecord_change")
        restore_url = object_url("admin:alerts_deletionrecord_restore")
        data.update(
            recent_deletions=[
                RecentDeletion(
                    record=record,
                    can_restore=deletion_record_may_restore(user=user, record=record),
                    deleted_at_title=moment_display(record.deleted_at),
                    deleted_ago=moment_ago(record.deleted_at, now=now),
                    url=record_url(record.pk),
                    restore_url=restore_url(record.pk),
                )
                for record in records[:DASHBOARD_DELETIONS]
            ],
        )
    if data.get("finished_import_count"):
        data["finished_imports"] = import_jobs_finished_recently(user=user)
    return Dashboard(**data)


def _visible(user: AbstractBaseUser, **filters) -> QuerySet[DeletionRecord]:
    return deletion_records_visible_to(user=user, records=DeletionRecord.objects.filter(**filters))


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
            at_title=moment_display(movement.created_at),
            ago=moment_ago(movement.created_at),
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
