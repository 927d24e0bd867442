"""Writes of the alerts app: low-stock alert rules, notifications, deletion records, restore.

Receivers call these; so do management commands, admin actions and tests. Catalog models are
reached through the app registry, never imported (docs/architecture.md#layers: alerts learns
about catalog changes through signals and content types). Emails: alerts/notifications.py.
"""

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, models, transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from backoffice.kit.db import IDS_PER_QUERY
from catalog.ledger import stock_movements_balance

from .models import StockAlert
from .notifications import stock_alerts_notify_after_commit

logger = logging.getLogger(__name__)

# Products per set-wise step on PostgreSQL: one lock statement and three writes each (its
# bound is 65,535 parameters). SQLite's steps are backoffice.kit.db.IDS_PER_QUERY ids.
POSTGRESQL_IDS_PER_QUERY = 5_000


def _product_model() -> type[models.Model]:
    return apps.get_model("catalog", "Product")


# --- low-stock alerts -------------------------------------------------------------------
# The rules decide from the committed product row, read under the stock lock
# (Product.objects.select_for_stock_change(), docs/architecture.md#the-stock-lock); every
# alert write of a product happens while that lock is held, so the last writer to take it
# leaves the alerts its committed stock calls for.


def stock_alert_sync_one(*, product_id: int) -> None:
    """Apply the low-stock rules to one product, as its committed row says: one lock-and-read
    query, then at most two writes.

    Low with an unresolved alert: refresh it. Low without one: raise one. Not low: resolve.
    A product deleted meanwhile changes nothing (its delete resolved its alerts).
    """
    with transaction.atomic(savepoint=False):
        product = (
            _product_model()
            .objects.filter(pk=product_id)
            .select_for_stock_change()
            .only("sku", "name", "stock", "low_stock_threshold")
            # The movement that took it there, should an alert be raised: same statement.
            .annotate(latest_movement=Subquery(_latest_movement(OuterRef("pk")).values("pk")[:1]))
            .first()
        )
        if product is None:
            return
        now = timezone.now()
        # Statements after the lock see every write committed before it was granted.
        unresolved = StockAlert.objects.unresolved().filter(product_id=product_id)
        if not product.is_low_on_stock:
            unresolved.update(
                status=StockAlert.Status.RESOLVED,
                resolved_at=now,
                stock_at_resolution=product.stock,
            )
            return
        refreshed = unresolved.update(
            stock=product.stock,
            threshold=product.low_stock_threshold,
            sku=product.sku,
            product_name=product.name,
        )
        if not refreshed:
            alert = StockAlert(
                product_id=product_id,
                movement_id=product.latest_movement,
                sku=product.sku,
                product_name=product.name,
                stock=product.stock,
                threshold=product.low_stock_threshold,
                raised_at=now,
            )
            # The lock makes a conflict impossible between callers that take it; a caller
            # that does not (a raw insert) still cannot make a second unresolved alert.
            StockAlert.objects.bulk_create([alert], ignore_conflicts=True)
            stock_alerts_notify_after_commit(raised_at=now)


@dataclass(frozen=True)
class StockAlertSyncResult:
    raised: int = 0
    refreshed: int = 0
    resolved: int = 0
    balanced: int = 0  # stock movements added where the ledger was out of balance

    def __add__(self, other: "StockAlertSyncResult") -> "StockAlertSyncResult":
        return StockAlertSyncResult(
            self.raised + other.raised,
            self.refreshed + other.refreshed,
            self.resolved + other.resolved,
            self.balanced + other.balanced,
        )


def stock_alerts_sync_many(*, product_ids: Iterable[int]) -> StockAlertSyncResult:
    """Bring the alerts of these products in line with their committed stock, set-wise.

    For paths that bypass save(): bulk import, restore, SQL fixes. Leaves the alerts that
    saving each product one by one would leave: per step of a few thousand ids, in pk order,
    one lock statement (none on SQLite) and three writes plus the inserts; time grows with
    the number of ids, never with the table. Call it inside the transaction that changed the
    products (it opens one otherwise); the alerts it raises go into one email after commit.
    """
    now = timezone.now()
    result = StockAlertSyncResult()
    Product = _product_model()
    with transaction.atomic(savepoint=False):
        for ids in _id_steps(sorted(set(product_ids))):
            if connection.features.has_select_for_update:
                list(Product.objects.filter(pk__in=ids).select_for_stock_change().values("pk"))
            result += _sync_step(ids, now=now)
        if result.raised:
            stock_alerts_notify_after_commit(raised_at=now)
    return result


def stock_alerts_sync_all() -> StockAlertSyncResult:
    """Bring every product's alerts in line (after loaddata, SQL fixes): sync_stock_alerts.

    One transaction per step of products in pk order, so writers wait for one step at most;
    a product changed after its step was synced is synced by its own writer. One email.
    """
    now = timezone.now()
    result = StockAlertSyncResult()
    Product = _product_model()
    last_pk = None
    while True:
        with transaction.atomic(savepoint=False):
            products = Product.objects.select_for_stock_change()
            if last_pk is not None:
                products = products.filter(pk__gt=last_pk)
            ids = list(products.values_list("pk", flat=True)[: _ids_per_query()])
            if not ids:
                break
            # A raw loaddata or SQL change left no stock movement: the ledger records the
            # difference (a `system` movement) before the alert rules look at the stock.
            result += StockAlertSyncResult(balanced=stock_movements_balance(product_ids=ids))
            result += _sync_step(ids, now=now)
        last_pk = ids[-1]
    if result.raised:
        stock_alerts_notify_after_commit(raised_at=now)
    return result


def _ids_per_query() -> int:
    # Django knows SQLite's limit of bound parameters (max_query_params); PostgreSQL has none.
    return IDS_PER_QUERY if connection.features.max_query_params else POSTGRESQL_IDS_PER_QUERY


def _id_steps(ids: list[int]) -> Iterator[list[int]]:
    size = _ids_per_query()
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _sync_step(ids: list[int], *, now: datetime) -> StockAlertSyncResult:
    """Resolve, refresh and raise for these products, which the caller has locked."""
    Product = _product_model()
    products = Product.objects.filter(pk__in=ids)
    # Alerts are found by the step's product ids (the partial unique index), whatever the
    # number of unresolved alerts in the table; each statement names the ids once (SQLite's
    # bound on parameters).
    unresolved = StockAlert.objects.unresolved().filter(product_id__in=ids)
    own_product = Product.objects.filter(pk=OuterRef("product_id"))
    resolved = unresolved.filter(Exists(own_product.stock_ok())).update(
        status=StockAlert.Status.RESOLVED,
        resolved_at=now,
        stock_at_resolution=Subquery(own_product.values("stock")[:1]),
    )
    refreshed = (
        unresolved.filter(Exists(own_product.low_on_stock()))
        .exclude(
            stock=F("product__stock"),
            threshold=F("product__low_stock_threshold"),
            sku=F("product__sku"),
            product_name=F("product__name"),
        )
        .update(**_current_product_values())
    )
    missing = (
        products.low_on_stock()
        .exclude(Exists(StockAlert.objects.unresolved().filter(product_id=OuterRef("pk"))))
        .annotate(movement_id=Subquery(_latest_movement(OuterRef("pk")).values("pk")[:1]))
        .values_list("pk", "sku", "name", "stock", "low_stock_threshold", "movement_id")
        .order_by()
    )
    new_alerts = [
        StockAlert(
            product_id=pk,
            movement_id=movement_id,
            sku=sku,
            product_name=name,
            stock=stock,
            threshold=threshold,
            raised_at=now,
        )
        for pk, sku, name, stock, threshold, movement_id in missing
    ]
    StockAlert.objects.bulk_create(new_alerts, ignore_conflicts=True)
    return StockAlertSyncResult(raised=len(new_alerts), refreshed=refreshed, resolved=resolved)


def _latest_movement(product_pk) -> QuerySet:
    """The product's latest stock movement (the catalog_movement_product_idx index)."""
    movements = apps.get_model("catalog", "StockMovement").objects
    return movements.filter(product_pk=product_pk).order_by("-id")


def _current_product_values() -> dict[str, Subquery]:
    product = _product_model().objects.filter(pk=OuterRef("product_id"))
    return {
        "stock": Subquery(product.values("stock")[:1]),
        "threshold": Subquery(product.values("low_stock_threshold")[:1]),
        "sku": Subquery(product.values("sku")[:1]),
        "product_name": Subquery(product.values("name")[:1]),
    }


def stock_alerts_resolve_for_product(*, product_id: int) -> int:
    """Resolve a product's alerts because it is being deleted, under the stock lock, so a
    concurrent save's rules wait for the delete and then find no product. Its alerts keep
    its ID (deleted_product_pk), for stock_alerts_relink when it is restored."""
    with transaction.atomic(savepoint=False):
        list(_product_model().objects.filter(pk=product_id).select_for_stock_change().values("pk"))
        alerts = StockAlert.objects.filter(product_id=product_id)
        resolved = stock_alerts_resolve(alerts=alerts)
        alerts.update(deleted_product_pk=product_id)
        return resolved


def stock_alerts_relink(*, product_id: int) -> int:
    """Give a restored product its alerts back (they lost it when it was deleted): they
    show its name as a link again instead of "(deleted)". One UPDATE by a partial index."""
    return StockAlert.objects.filter(deleted_product_pk=product_id, product__isnull=True).update(
        product_id=product_id, deleted_product_pk=None
    )


def stock_alerts_acknowledge(*, alerts: QuerySet[StockAlert], user: AbstractBaseUser) -> int:
    """Mark open alerts acknowledged by this user; returns how many changed."""
    return alerts.filter(status=StockAlert.Status.OPEN).update(
        status=StockAlert.Status.ACKNOWLEDGED, acknowledged_at=timezone.now(), acknowledged_by=user
    )


def stock_alerts_resolve(*, alerts: QuerySet[StockAlert]) -> int:
    """Resolve unresolved alerts at their product's stock (the alert's own once the product
    is gone); a product still low gets a new alert on its next change."""
    product_stock = _product_model().objects.filter(pk=OuterRef("product_id")).values("stock")
    return alerts.filter(status__in=StockAlert.UNRESOLVED).update(
        status=StockAlert.Status.RESOLVED,
        resolved_at=timezone.now(),
        stock_at_resolution=Coalesce(Subquery(product_stock[:1]), F("stock")),
    )


# Deletion records and restore live in alerts.deletions; these names are the services
# contract (docs/architecture.md), so they are importable from here too.
from .deletions import deletion_record_create, deletion_record_restore  # noqa: E402

__all__ = ["deletion_record_create", "deletion_record_restore"]
