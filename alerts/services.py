"""Writes of the alerts app: low-stock alert rules, notifications, deletion records, restore.

Receivers call these; so do management commands, admin actions and tests. Catalog models are
reached through the app registry, never imported (DESIGN.md: catalog and alerts meet only
through signals and content types).
"""

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.text import capfirst

from backoffice.kit.db import IDS_PER_QUERY

from .models import DeletionRecord, StockAlert
from .rules import deletion_record_restore_refusal

logger = logging.getLogger(__name__)

ALERT_RECIPIENTS_GROUP = "Inventory managers"
# How many alerts one email lists before it says "and N more".
EMAIL_LIST_LIMIT = 50
# From this many ids on, syncing every product is faster than naming them in the queries
# (on 100k products: 0.4-0.6 s against 4-10 s, bench/stock_alerts_sync.py). The listed
# products get the same alerts; the others are in line already, as every write path keeps
# them so (after a raw loaddata this also fixes theirs).
SYNC_ALL_FROM_IDS = 5_000
# Fields a deletion record never keeps (a user's password hash).
SNAPSHOT_SECRET_FIELDS = ("password",)


def _product_model() -> type[models.Model]:
    return apps.get_model("catalog", "Product")


# --- low-stock alerts -------------------------------------------------------------------


def stock_alert_sync(*, product: models.Model) -> None:
    """Apply the low-stock rules to one product just saved; at most two queries.

    Low with an unresolved alert: refresh it. Low without one: raise one. Not low: resolve.
    Raising is an INSERT that ignores a conflict with the partial unique index, so concurrent
    saves of the same product end with one alert and no error.
    """
    now = timezone.now()
    unresolved = StockAlert.objects.unresolved().filter(product_id=product.pk)
    if not product.is_low_on_stock:
        unresolved.update(status=StockAlert.Status.RESOLVED, resolved_at=now)
        return
    refreshed = unresolved.update(
        stock=product.stock,
        threshold=product.low_stock_threshold,
        sku=product.sku,
        product_name=product.name,
    )
    if not refreshed:
        alert = StockAlert(
            product_id=product.pk,
            sku=product.sku,
            product_name=product.name,
            stock=product.stock,
            threshold=product.low_stock_threshold,
            raised_at=now,
        )
        StockAlert.objects.bulk_create([alert], ignore_conflicts=True)
        _notify_after_commit(raised_at=now)


@dataclass(frozen=True)
class StockAlertSyncResult:
    raised: int
    refreshed: int
    resolved: int


def stock_alerts_sync(*, product_ids: Iterable[int] | None = None) -> StockAlertSyncResult:
    """Bring the alerts of these products (None: all products) in line with their stock.

    Set-wise, for paths that bypass save(): bulk import, loaddata, restore, SQL fixes. Leaves
    the alerts that saving each product one by one would leave, in three queries plus the
    inserts (per 900 ids on SQLite; over all products from SYNC_ALL_FROM_IDS ids on), and
    sends one email listing every alert raised.
    """
    now = timezone.now()
    raised = refreshed = resolved = 0
    with transaction.atomic():
        for products in _product_scopes(product_ids):
            unresolved = StockAlert.objects.unresolved()
            resolved += unresolved.filter(product__in=products.stock_ok()).update(
                status=StockAlert.Status.RESOLVED, resolved_at=now
            )
            refreshed += (
                unresolved.filter(product__in=products.low_on_stock())
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
                .exclude(Exists(unresolved.filter(product_id=OuterRef("pk"))))
                .values_list("pk", "sku", "name", "stock", "low_stock_threshold")
                .order_by()
            )
            new_alerts = [
                StockAlert(
                    product_id=pk,
                    sku=sku,
                    product_name=name,
                    stock=stock,
                    threshold=threshold,
                    raised_at=now,
                )
                for pk, sku, name, stock, threshold in missing.iterator(chunk_size=2000)
            ]
            StockAlert.objects.bulk_create(new_alerts, ignore_conflicts=True)
            raised += len(new_alerts)
        if raised:
            _notify_after_commit(raised_at=now)
    return StockAlertSyncResult(raised=raised, refreshed=refreshed, resolved=resolved)


def _product_scopes(product_ids: Iterable[int] | None) -> Iterator[QuerySet]:
    Product = _product_model()
    ids = None if product_ids is None else sorted(set(product_ids))
    if ids is None or len(ids) >= SYNC_ALL_FROM_IDS:
        yield Product.objects.all()
        return
    # SQLite bounds the parameters per statement (Django's max_query_params): chunk there.
    size = IDS_PER_QUERY if connection.features.max_query_params else max(len(ids), 1)
    for start in range(0, len(ids), size):
        yield Product.objects.filter(pk__in=ids[start : start + size])


def _current_product_values() -> dict[str, Subquery]:
    product = _product_model().objects.filter(pk=OuterRef("product_id"))
    return {
        "stock": Subquery(product.values("stock")[:1]),
        "threshold": Subquery(product.values("low_stock_threshold")[:1]),
        "sku": Subquery(product.values("sku")[:1]),
        "product_name": Subquery(product.values("name")[:1]),
    }


def stock_alerts_resolve_for_product(*, product_id: int) -> int:
    """Resolve a product's alerts, e.g. because it is being deleted."""
    return stock_alerts_resolve(alerts=StockAlert.objects.filter(product_id=product_id))


def stock_alerts_acknowledge(*, alerts: QuerySet[StockAlert], user: AbstractBaseUser) -> int:
    """Mark open alerts acknowledged by this user; returns how many changed."""
    return alerts.filter(status=StockAlert.Status.OPEN).update(
        status=StockAlert.Status.ACKNOWLEDGED, acknowledged_at=timezone.now(), acknowledged_by=user
    )


def stock_alerts_resolve(*, alerts: QuerySet[StockAlert]) -> int:
    """Resolve unresolved alerts; a product still low gets a new alert on its next change."""
    return alerts.filter(status__in=StockAlert.UNRESOLVED).update(
        status=StockAlert.Status.RESOLVED, resolved_at=timezone.now()
    )


# --- notifications ----------------------------------------------------------------------


def _notify_after_commit(*, raised_at: datetime) -> None:
    # After commit only, so a rolled-back (dry-run) import sends nothing. Every alert raised
    # by one call shares raised_at, which is how the callback finds them again.
    if settings.BACKOFFICE_ALERT_EMAILS == "immediate":
        # Sent by a Celery worker (alerts.tasks, retried while the mail server is down), so
        # the request that raised the alert never waits for SMTP. A function, not
        # functools.partial: Django logs a failing robust callback by its __qualname__.
        from .tasks import alert_email_send

        def notify() -> None:
            alert_email_send.delay(raised_at.isoformat())

        transaction.on_commit(notify, robust=True)


def alert_recipients() -> list[str]:
    """Email addresses of the active members of the Inventory managers group."""
    return list(
        get_user_model()
        .objects.filter(groups__name=ALERT_RECIPIENTS_GROUP, is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def stock_alerts_notify(*, raised_at: datetime) -> int:
    """Email the alerts raised at this moment: one email, however many alerts."""
    return _send_alert_email(alerts=StockAlert.objects.filter(raised_at=raised_at), digest=False)


def stock_alerts_digest_send(*, since: datetime) -> int:
    """Email one summary of the alerts raised since then; returns the number of emails sent."""
    return _send_alert_email(alerts=StockAlert.objects.filter(raised_at__gte=since), digest=True)


def _send_alert_email(*, alerts: QuerySet[StockAlert], digest: bool) -> int:
    recipients = alert_recipients()
    if not recipients:
        return 0
    listed = list(alerts.order_by("sku", "pk")[: EMAIL_LIST_LIMIT + 1])
    if not listed:
        return 0
    total = len(listed) if len(listed) <= EMAIL_LIST_LIMIT else alerts.count()
    listed = listed[:EMAIL_LIST_LIMIT]
    if total == 1 and not digest:
        alert = listed[0]
        subject = f"Low stock: {alert.sku} {alert.product_name} ({alert.stock} left)"
    elif digest:
        subject = f"Daily low-stock summary: {total} alert{'s' if total != 1 else ''}"
    else:
        subject = f"Low stock: {total} new alerts"
    lines = [
        f"- {alert.sku} {alert.product_name}: {alert.stock} in stock, threshold {alert.threshold}"
        f" ({alert.get_status_display().lower()})"
        for alert in listed
    ]
    if total > len(listed):
        lines.append(f"… and {total - len(listed)} more.")
    body = "\n".join(["Products below their low-stock threshold:", "", *lines, ""])
    return send_mail(f"[Backoffice] {subject}", body, settings.DEFAULT_FROM_EMAIL, recipients)


# --- deletion records and restore ----------------------------------------------------------


def deletion_record_create(
    *, instance: models.Model, actor: AbstractBaseUser | None
) -> DeletionRecord:
    """Snapshot a row about to be deleted; call it inside the deleting transaction."""
    snapshot = serializers.serialize("python", [instance])[0]
    # A password hash is never kept: a record's readers must not learn it (docs/security.md).
    for name in SNAPSHOT_SECRET_FIELDS:
        snapshot["fields"].pop(name, None)
    return DeletionRecord.objects.create(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_pk=str(instance.pk),
        object_repr=str(instance)[:200],
        # JSON-safe now (dates, decimals as text), exactly as it will read back.
        snapshot=json.loads(json.dumps(snapshot, cls=DjangoJSONEncoder)),
        deleted_by=actor,
        deleted_by_username=actor.get_username() if actor else "",
    )


def deletion_record_restore(*, record: DeletionRecord, user: AbstractBaseUser) -> models.Model:
    """Bring a deleted object back with its pk, fields and many-to-many links; an account
    comes back with an unusable password (its hash was never kept).

    Raises PermissionDenied when alerts.rules refuses `user` this record, and
    ValidationError (changing nothing) when it was restored already or its pk or a unique
    value is taken.
    """
    model = record.content_type.model_class()
    if model is None:
        raise ValidationError(f"The model {record.content_type} no longer exists.")
    opts = model._meta
    with transaction.atomic():
        record = DeletionRecord.objects.select_for_update().get(pk=record.pk)
        refusal = deletion_record_restore_refusal(user=user, record=record)
        if refusal:
            raise PermissionDenied(refusal)
        if record.is_restored:
            raise ValidationError(
                f"{capfirst(opts.verbose_name)} “{record.object_repr}” was restored already."
            )
        deserialized = next(
            serializers.deserialize("python", [record.snapshot], ignorenonexistent=True)
        )
        instance = deserialized.object
        if isinstance(instance, AbstractBaseUser):
            instance.set_unusable_password()
        _check_restorable(instance, record=record)
        _drop_links_to_deleted_rows(deserialized)
        try:
            # A savepoint: losing a race for the pk or a unique value leaves nothing behind.
            with transaction.atomic():
                deserialized.save()
        except IntegrityError as error:
            raise ValidationError(
                f"{capfirst(opts.verbose_name)} “{record.object_repr}” could not be restored: "
                f"{error}"
            ) from error
        record.restored_at = timezone.now()
        record.restored_by = user
        record.save(update_fields=["restored_at", "restored_by"])
        if opts.label_lower == "catalog.product":
            # Restoring saves a raw row, which the post_save receiver skips on purpose.
            stock_alerts_sync(product_ids=[instance.pk])
    return instance


def _check_restorable(instance: models.Model, *, record: DeletionRecord) -> None:
    opts = instance._meta
    name = f"{capfirst(opts.verbose_name)} “{record.object_repr}”"
    existing = opts.model._default_manager.filter(pk=instance.pk).first()
    if existing is not None:
        raise ValidationError(
            f"{name} cannot be restored: ID {instance.pk} is taken by “{existing}”."
        )
    try:
        instance.validate_unique()
    except ValidationError as error:
        taken = "; ".join(
            message for messages in error.message_dict.values() for message in messages
        )
        raise ValidationError(f"{name} cannot be restored: {taken}") from error


def _drop_links_to_deleted_rows(deserialized: serializers.base.DeserializedObject) -> None:
    """Foreign keys to rows deleted since become empty (as SET_NULL would have made them);
    many-to-many links to them are left out. A required reference that is gone is a conflict.
    """
    instance = deserialized.object
    for field in instance._meta.concrete_fields:
        target_id = getattr(instance, field.attname)
        if not field.is_relation or target_id is None:
            continue
        target = field.related_model._default_manager
        if not target.filter(**{field.target_field.attname: target_id}).exists():
            if not field.null:
                raise ValidationError(
                    f"Cannot restore: its {field.verbose_name} (ID {target_id}) no longer exists."
                )
            setattr(instance, field.attname, None)
    for name, pks in (deserialized.m2m_data or {}).items():
        related = instance._meta.get_field(name).related_model._default_manager
        deserialized.m2m_data[name] = _existing_pks(related, pks)


def _existing_pks(manager, pks: Sequence) -> list:
    return list(manager.filter(pk__in=list(pks)).values_list("pk", flat=True))
