"""The stock ledger's model: StockMovement, one row per change of a product's stock
(docs/architecture.md#the-stock-ledger). catalog.models re-exports it."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone


class StockMovement(models.Model):
    """One change of a product's stock: the stock ledger (docs/architecture.md#the-stock-ledger).

    Append-only; written by catalog.ledger only. Per product (product_pk), the deltas add
    up to its stock. product_pk outlives the product (product is SET_NULL on delete), so a
    restored product gets its history back.
    """

    class Reason(models.TextChoices):
        OPENING = "opening", "Opening balance"
        CREATED = "created", "Created"
        EDITED = "edited", "Edited in the form"
        LIST_EDIT = "list_edit", "Edited in the list"
        ACTION = "action", "Admin action"
        IMPORT = "import", "Import"
        RESTORE = "restore", "Restored"
        DELETION = "deletion", "Deleted"
        SYSTEM = "system", "System"

    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stock_movements",
    )
    product_pk = models.BigIntegerField("product ID")
    sku = models.CharField("SKU", max_length=64)
    stock_before = models.IntegerField()
    stock_after = models.IntegerField()
    delta = models.IntegerField()
    reason = models.CharField(max_length=12, choices=Reason.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # the (actor, -id) index below serves the filter and SET_NULL
    )
    # Kept as text so the movement still says who it was after that account is deleted.
    actor_username = models.CharField("by", max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        # Ids grow in the order movements are written under the stock lock: newest first is
        # the chain read backwards, and every index below ends in it.
        ordering = ["-id"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=Q(delta=F("stock_after") - F("stock_before")),
                name="catalog_stockmovement_delta",
            ),
        ]
        indexes = [
            models.Index(fields=["product_pk", "-id"], name="catalog_movement_product_idx"),
            models.Index(fields=["actor", "-id"], name="catalog_movement_actor_idx"),
            models.Index(fields=["reason", "-id"], name="catalog_movement_reason_idx"),
            # The dashboard's largest drops of the last 24 hours: a range of this index.
            models.Index(fields=["created_at", "delta"], name="catalog_movement_created_idx"),
            # The list's search: a SKU in any letter case, deleted products' too.
            models.Index(Upper("sku"), name="catalog_movement_sku_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sku}: {self.stock_before} → {self.stock_after} ({self.get_reason_display()})"

    @property
    def summary(self) -> str:
        return movement_summary(
            stock_before=self.stock_before,
            stock_after=self.stock_after,
            reason=self.reason,
            note=self.note,
            actor_username=self.actor_username,
        )


# How a movement came about, as the end of "stock 12 → 3 by …".
MOVEMENT_HOW = {
    StockMovement.Reason.OPENING: "opening balance",
    StockMovement.Reason.CREATED: "creation",
    StockMovement.Reason.EDITED: "form edit",
    StockMovement.Reason.LIST_EDIT: "list edit",
    StockMovement.Reason.ACTION: "action",
    StockMovement.Reason.IMPORT: "import",
    StockMovement.Reason.RESTORE: "restore",
    StockMovement.Reason.DELETION: "deletion",
    StockMovement.Reason.SYSTEM: "system change",
}


def movement_summary(
    *, stock_before: int, stock_after: int, reason: str, note: str, actor_username: str
) -> str:
    """ "stock 12 → 3 by import supplier-2026-11.csv, by inventory" (no query: plain values,
    so a list can build it from columns it selected)."""
    how = MOVEMENT_HOW.get(reason, reason)
    if note:
        how = f"{how} {note}"
    return f"stock {stock_before} → {stock_after} by {how}, by {actor_username or 'system'}"
