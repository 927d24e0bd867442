"""Signal receivers: a guard and one service call each. Connected in AlertsConfig.ready()."""

from django.apps import apps
from django.conf import settings
from django.db.models.signals import post_save, pre_delete

from backoffice.kit.actor import get_actor
from catalog.signals import products_bulk_changed

from . import services

# Deleting a row of these models leaves a DeletionRecord (like django-auditlog's registry).
TRACKED_MODELS = ("catalog.Product", "catalog.Article", settings.AUTH_USER_MODEL)


def product_saved(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # loaddata: rows may reference rows not loaded yet; sync_stock_alerts follows.
        return
    services.stock_alert_sync_one(product_id=instance.pk)


def product_deleting(sender, instance, **kwargs) -> None:
    services.stock_alerts_resolve_for_product(product_id=instance.pk)


def products_changed_in_bulk(sender, product_ids, **kwargs) -> None:
    services.stock_alerts_sync_many(product_ids=product_ids)


def tracked_object_deleting(sender, instance, **kwargs) -> None:
    services.deletion_record_create(instance=instance, actor=get_actor())


def connect() -> None:
    post_save.connect(product_saved, sender="catalog.Product", dispatch_uid="alerts.product_saved")
    pre_delete.connect(
        product_deleting, sender="catalog.Product", dispatch_uid="alerts.product_deleting"
    )
    # A plain Signal, unlike the model signals, needs the class itself as sender.
    products_bulk_changed.connect(
        products_changed_in_bulk,
        sender=apps.get_model("catalog", "Product"),
        dispatch_uid="alerts.products_changed_in_bulk",
    )
    for model_label in TRACKED_MODELS:
        pre_delete.connect(
            tracked_object_deleting,
            sender=model_label,
            dispatch_uid=f"alerts.deletion_record.{model_label.lower()}",
        )
