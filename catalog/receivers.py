"""Signal receivers of the catalog: the stock ledger of single saves and deletes.

A guard and one call each into catalog.ledger; connected in CatalogConfig.ready().
"""

from django.db.models.signals import post_save, pre_delete, pre_save

from . import ledger


def product_saving(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    if raw:  # loaddata: the balance check of sync_stock_alerts records what it changed
        return
    ledger.stock_before_save(product=instance, update_fields=update_fields)


def product_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:
        return
    ledger.stock_after_save(product=instance, created=created)


def product_deleting(sender, instance, **kwargs) -> None:
    ledger.stock_before_delete(product=instance)


def connect() -> None:
    pre_save.connect(product_saving, sender="catalog.Product", dispatch_uid="catalog.ledger.saving")
    post_save.connect(product_saved, sender="catalog.Product", dispatch_uid="catalog.ledger.saved")
    pre_delete.connect(
        product_deleting, sender="catalog.Product", dispatch_uid="catalog.ledger.deleting"
    )
