"""Catalog models: Product (stock-keeping) and Article (editorial content); the stock
ledger's StockMovement is defined in catalog.movements and offered here too."""

import unicodedata
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Upper
from django.urls import reverse

from .movements import MOVEMENT_HOW, StockMovement, movement_summary

__all__ = ["MOVEMENT_HOW", "Article", "Product", "StockMovement", "movement_summary"]


def default_low_stock_threshold() -> int:
    return settings.BACKOFFICE_LOW_STOCK_THRESHOLD


def validate_sku_visible(value: str) -> None:
    """A SKU holds no character that shows as nothing (docs/architecture.md#skus): a
    byte-order mark or zero-width space makes "\ufeffACC-001" a second product that looks
    like ACC-001. Control, format and separator characters are refused, named."""
    # Every such character is one str.isprintable() says no to: the usual SKU is checked in
    # C, the per-character look is for the rare one that is not (an import checks 1M).
    if value.isprintable():
        return
    for position, char in enumerate(value, start=1):
        category = unicodedata.category(char)
        if category[0] == "C" or category in ("Zl", "Zp"):
            name = unicodedata.name(char, "a control character")
            hint = (
                " (a file joined from two keeps a byte-order mark there)"
                if char == "\ufeff"
                else ""
            )
            raise ValidationError(
                f"The SKU holds an invisible character, U+{ord(char):04X} {name}, at "
                f"position {position}{hint}: remove it.",
                code="invisible",
            )


class SkuField(models.CharField):
    """A CharField that stores its value stripped of surrounding white space, case kept,
    with no invisible character (a default validator: not part of the migrations)."""

    default_validators = [validate_sku_visible]

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = value.strip()
            setattr(model_instance, self.attname, value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        return value.strip() if isinstance(value, str) else value


class ProductQuerySet(models.QuerySet):
    def with_stock_margin(self):
        # stock - threshold: negative means low. Filtering on the expression (not on
        # stock < threshold) lets both SQLite and PostgreSQL use the expression index.
        return self.alias(stock_margin=F("stock") - F("low_stock_threshold"))

    def low_on_stock(self):
        return self.with_stock_margin().filter(stock_margin__lt=0)

    def out_of_stock(self):
        return self.filter(stock=0)

    def low_but_not_out(self):
        return self.low_on_stock().filter(stock__gt=0)

    def stock_ok(self):
        return self.with_stock_margin().filter(stock_margin__gte=0)

    def sku_matches(self, sku: str):
        """The product whose SKU is this one regardless of letter case (at most one: the
        catalog_product_sku_upper_uniq constraint), found through that constraint's index."""
        return self.alias(sku_upper=Upper("sku")).filter(sku_upper=Upper(Value(sku.strip())))

    def skus_matching(self, skus: list[str]):
        """Products whose SKUs are among these regardless of case (Python's upper(), which
        agrees with the database's for ASCII), through the constraint's index."""
        return self.alias(sku_upper=Upper("sku")).filter(sku_upper__in=[s.upper() for s in skus])

    def select_for_stock_change(self):
        """These products' rows, locked until the transaction ends, taken in pk order.

        The stock lock (docs/architecture.md#the-stock-lock): whoever decides from a
        product's stock (the alert rules) reads it through this inside a transaction, so it
        reads the committed row and no other writer changes it before the decision commits.
        FOR NO KEY UPDATE is the lock an UPDATE of the row takes: writers queue behind it,
        and inserting an alert that references the product is not blocked (it takes FOR KEY
        SHARE). SQLite has no row locks: Django leaves the clause out and its IMMEDIATE
        transactions hold the database's write lock from their first statement.
        """
        return self.select_for_update(no_key=True).order_by("pk")


class Product(models.Model):
    sku = SkuField("SKU", max_length=64, unique=True, help_text="Stock-keeping unit; unique.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    price = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    stock = models.IntegerField(default=0, validators=[MinValueValidator(0)])
    low_stock_threshold = models.IntegerField(
        default=default_low_stock_threshold,
        validators=[MinValueValidator(0)],
        help_text="An alert is raised when stock falls below this number.",
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["sku"]
        constraints = [
            # A SKU is unique regardless of letter case, as the database folds it (SQLite's
            # UPPER folds ASCII letters only); the case is kept as typed. Import, form and
            # restore match SKUs the same way (docs/architecture.md#skus).
            models.UniqueConstraint(
                Upper("sku"),
                name="catalog_product_sku_upper_uniq",
                violation_error_message=(
                    "A product with this SKU in other letter case already exists: "
                    "SKUs are unique regardless of case."
                ),
            ),
            models.CheckConstraint(
                condition=Q(stock__gte=0),
                name="catalog_product_stock_gte_0",
                violation_error_message="Stock cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="catalog_product_price_gte_0",
                violation_error_message="Price cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(low_stock_threshold__gte=0),
                name="catalog_product_threshold_gte_0",
                violation_error_message="Low-stock threshold cannot be negative.",
            ),
        ]
        indexes = [
            # The product list sorted by stock adds the admin's ordering (sku) as a tiebreaker:
            # with both columns in the index the first page is read from it, not sorted.
            models.Index(fields=["stock", "sku"], name="catalog_product_stocksku_idx"),
            models.Index(fields=["name"], name="catalog_product_name_idx"),
            # The admin search's indexes differ per database: catalog/migrations/0005, 0006.
            models.Index(fields=["is_active", "sku"], name="catalog_product_active_idx"),
            # Both columns after the margin let "low" and "low but not out" be counted from
            # the index alone (PostgreSQL needs every column of the expression for that).
            models.Index(
                F("stock") - F("low_stock_threshold"),
                F("stock"),
                F("low_stock_threshold"),
                name="catalog_product_low_idx",
            ),
            models.Index(fields=["-updated_at"], name="catalog_product_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} — {self.name}"

    def save(self, *args, **kwargs) -> None:
        # One transaction even in autocommit: the stock ledger reads the committed stock
        # under the row lock before the write and records the movement after it
        # (docs/architecture.md#the-stock-ledger). Inside a transaction this adds nothing.
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("admin:catalog_product_change", args=[self.pk])

    @property
    def is_low_on_stock(self) -> bool:
        return self.stock < self.low_stock_threshold

    @property
    def is_out_of_stock(self) -> bool:
        return self.stock == 0


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="catalog_article_status_idx"),
            models.Index(fields=["-published_at"], name="catalog_article_published_idx"),
            models.Index(fields=["-updated_at", "-id"], name="catalog_article_updated_idx"),
            models.Index(fields=["title"], name="catalog_article_title_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("admin:catalog_article_change", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED
