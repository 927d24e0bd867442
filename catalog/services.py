"""Writes to the catalog: stock changes and the editorial workflow.

Every function here keeps the low-stock rules intact: single saves fire post_save, and
set-wise writes announce themselves through catalog.signals.products_bulk_changed.
"""

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from backoffice.kit.db import IDS_PER_QUERY

from . import ledger
from .models import Article, Product, StockMovement
from .signals import products_bulk_changed


def products_lock(*, product_ids: Iterable[int]) -> None:
    """Take the stock lock on these products in pk order, a step of ids at a time, before
    changing several of them (docs/architecture.md#the-stock-lock): every path that locks
    several products locks them in this one order, so two of them never deadlock. Call it
    inside the transaction of the change. SQLite has no row locks: nothing to do."""
    if not connection.features.has_select_for_update:
        return
    ids = sorted(set(product_ids))
    for start in range(0, len(ids), IDS_PER_QUERY):
        step = Product.objects.filter(pk__in=ids[start : start + IDS_PER_QUERY])
        list(step.select_for_stock_change().values_list("pk", flat=True))


def products_changed_in_bulk(*, product_ids: Iterable[int]) -> None:
    """Tell listeners that these products changed without Model.save()."""
    product_ids = list(product_ids)
    if product_ids:
        products_bulk_changed.send(sender=Product, product_ids=product_ids)


@transaction.atomic
def products_mark_out_of_stock(*, queryset: QuerySet[Product]) -> int:
    """Set these products' stock to 0 set-wise: one ledger movement each, alerts synced."""
    changed = ledger.products_set_stock(
        queryset=queryset, stock=0, reason=StockMovement.Reason.ACTION
    )
    products_changed_in_bulk(product_ids=changed)
    return len(changed)


@transaction.atomic
def products_set_active(*, queryset: QuerySet[Product], is_active: bool) -> int:
    # Locked in pk order first: an UPDATE alone locks its rows in whatever order it finds
    # them (docs/architecture.md#the-stock-lock).
    ids = list(queryset.select_for_stock_change().values_list("pk", flat=True))
    updated = 0
    for start in range(0, len(ids), IDS_PER_QUERY):
        step = Product.objects.filter(pk__in=ids[start : start + IDS_PER_QUERY])
        updated += step.update(is_active=is_active, updated_at=timezone.now())
    return updated


def article_stamp_published(*, article: Article) -> None:
    """Set published_at the first time an article is published; never move it later."""
    if article.status == Article.Status.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()


@transaction.atomic
def articles_publish(*, queryset: QuerySet[Article]) -> int:
    return queryset.exclude(status=Article.Status.PUBLISHED).update(
        status=Article.Status.PUBLISHED,
        published_at=Coalesce("published_at", Now()),
        updated_at=timezone.now(),
    )


@transaction.atomic
def articles_unpublish(*, queryset: QuerySet[Article]) -> int:
    # published_at stays: it records when the article first went out.
    return queryset.filter(status=Article.Status.PUBLISHED).update(
        status=Article.Status.DRAFT, updated_at=timezone.now()
    )
