"""StockAlert (a product below its threshold) and DeletionRecord (a snapshot of a deleted row)."""

from datetime import UTC, datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Cast
from django.utils import timezone


class StockAlertQuerySet(models.QuerySet):
    def unresolved(self):
        # The same condition as the partial unique index, so lookups can use it.
        return self.filter(status__in=StockAlert.UNRESOLVED)

    def most_urgent_first(self):
        # Lowest stock relative to threshold first; a low product always has threshold >= 1.
        urgency = models.ExpressionWrapper(
            models.functions.Cast("stock", models.FloatField()) / models.F("threshold"),
            output_field=models.FloatField(),
        )
        return self.alias(urgency=urgency).order_by("urgency", "stock", "raised_at", "pk")


class StockAlert(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    UNRESOLVED = (Status.OPEN, Status.ACKNOWLEDGED)

    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stock_alerts",
    )
    sku = models.CharField("SKU", max_length=64)
    product_name = models.CharField(max_length=200)
    stock = models.IntegerField(help_text="Stock when raised, kept current while unresolved.")
    threshold = models.IntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    stock_at_resolution = models.IntegerField(
        null=True,
        blank=True,
        help_text="The product's stock when the alert was resolved (restocked, deleted or "
        "resolved by hand).",
    )
    # product is emptied when the product is deleted (SET_NULL); its ID is kept here then,
    # so restoring the product links its alerts again (docs/architecture.md#low-stock-alerts).
    deleted_product_pk = models.BigIntegerField(null=True, blank=True, editable=False)
    # The stock movement that took the product below its threshold (the latest one of the
    # product when the alert was raised): "stock 12 → 3 by import supplier.csv, by inventory".
    movement = models.ForeignKey(
        "catalog.StockMovement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # movements are never deleted: nothing looks alerts up by it
        verbose_name="raised by",
    )

    objects = StockAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        permissions = [("acknowledge_stockalert", "Can acknowledge stock alerts")]
        constraints = [
            models.UniqueConstraint(
                fields=["product"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="alerts_one_unresolved_alert_per_product",
                violation_error_message="This product already has an unresolved alert.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-raised_at"], name="alerts_stockalert_status_idx"),
            models.Index(fields=["-raised_at"], name="alerts_stockalert_raised_idx"),
            models.Index(fields=["sku"], name="alerts_stockalert_sku_idx"),
            models.Index(
                fields=["deleted_product_pk"],
                condition=Q(deleted_product_pk__isnull=False),
                name="alerts_stockalert_deleted_idx",
            ),
            # most_urgent_first() over the unresolved alerts (the dashboard's list): the
            # first rows come straight from this index instead of sorting all of them. The
            # condition has no values (resolved_at is set exactly when an alert is resolved):
            # SQLite ignores a partial index whose condition the query states with bound
            # parameters, as status__in does.
            models.Index(
                Cast("stock", models.FloatField()) / F("threshold"),
                F("stock"),
                F("raised_at"),
                F("id"),
                condition=Q(resolved_at__isnull=True),
                name="alerts_stockalert_urgency_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku}: {self.stock} / {self.threshold} ({self.get_status_display()})"


class DeletionRecord(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_pk = models.CharField("object ID", max_length=64)
    object_repr = models.CharField("object", max_length=200)
    snapshot = models.JSONField(
        encoder=DjangoJSONEncoder,
        help_text="Every concrete field and the many-to-many primary keys, as serialized by "
        "Django's python serializer.",
    )
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept as text so the record still says who it was after that account is deleted.
    deleted_by_username = models.CharField(max_length=150, blank=True)
    deleted_at = models.DateTimeField(default=timezone.now)
    restored_at = models.DateTimeField(null=True, blank=True)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-deleted_at", "-pk"]
        indexes = [
            models.Index(fields=["-deleted_at"], name="alerts_deletion_deleted_idx"),
            models.Index(fields=["content_type", "object_pk"], name="alerts_deletion_object_idx"),
            # The "deleted by" filter lists the distinct usernames: read from this index.
            models.Index(fields=["deleted_by_username"], name="alerts_deletion_by_idx"),
            # ... and, for a reader who sees some types only, per type from this one.
            models.Index(
                fields=["content_type", "deleted_by_username"], name="alerts_deletion_type_by_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content_type.name} “{self.object_repr}”"

    @property
    def is_restored(self) -> bool:
        return self.restored_at is not None


class DashboardCount(models.Model):
    """Counts the dashboard shows, kept by database triggers (alerts/migrations/0005, 0007).

    Rows per counted thing and quarter of an hour (for dated events); a count is the sum of
    its rows. Triggers on the counted tables add each statement's change, so every write
    path counts (save, update(), bulk_create, imports, loaddata, raw SQL), and the dashboard
    reads a few hundred small rows however large the tables grow
    (docs/architecture.md#why-the-fast-paths-exist). On PostgreSQL a statement folds the
    rows of the quarter hours it changes that no other transaction holds (SKIP LOCKED) into
    one new row with its change: writers never wait for each other here, and a quarter hour
    has about one row per transaction writing it at that moment. SQLite has one writer at a
    time and adds to one row per quarter hour (slot 0).
    """

    class Name(models.TextChoices):
        ALERTS_RAISED = "alerts_raised", "stock alerts raised (per quarter hour of raised_at)"
        ALERTS_UNRESOLVED = "alerts_unresolved", "unresolved stock alerts"
        ALERTS_ACKNOWLEDGED = "alerts_acknowledged", "acknowledged (unresolved) stock alerts"
        DELETIONS = "deletions", "deletion records (per quarter hour of deleted_at)"
        PRODUCTS_OUT_OF_STOCK = "products_out_of_stock", "products out of stock"

    # The bucket of the counts that are not dated.
    UNDATED = datetime(2000, 1, 1, tzinfo=UTC)
    BUCKET_MINUTES = 15

    name = models.CharField(max_length=32, choices=Name.choices)
    bucket = models.DateTimeField()
    slot = models.SmallIntegerField(default=0)
    value = models.BigIntegerField(default=0)

    class Meta:
        default_permissions = ()
        # Not unique: concurrent PostgreSQL transactions each add a row (SQLite's triggers
        # upsert into a unique index of their own, alerts/migrations/0007).
        indexes = [models.Index(fields=["name", "bucket"], name="alerts_dashboardcount_idx")]

    def __str__(self) -> str:
        return f"{self.name} {self.bucket:%Y-%m-%d %H:%M} [{self.slot}]: {self.value}"
