"""The stock ledger: every change of a product's stock leaves one StockMovement.

Writers read the stock before their change from the committed row under the stock lock
(the lock the low-stock rules take), so concurrent writers leave a chain in which each
movement's stock_before is the previous one's stock_after, and per product the deltas add
up to the stock (docs/architecture.md#the-stock-ledger). Saves and deletes reach this
module through catalog.receivers; set-wise paths (import, admin actions, restore, the
balance check) call it directly, in the transaction of their change.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from backoffice.kit.actor import get_actor
from backoffice.kit.db import IDS_PER_QUERY
from backoffice.kit.importing.writing import insert_rows

from .models import Product, StockMovement

Reason = StockMovement.Reason


@dataclass(frozen=True)
class StockChange:
    """Why the stock changes in the current context: a reason and an optional note."""

    reason: str
    note: str = ""


_why: ContextVar[StockChange | None] = ContextVar("backoffice_stock_change", default=None)


@contextmanager
def stock_change_reason(reason: str, *, note: str = "") -> Iterator[None]:
    """Saves inside this block are recorded with this reason (the admin form, list, actions)."""
    token = _why.set(StockChange(reason, note[:255]))
    try:
        yield
    finally:
        _why.reset(token)


def _locked(products: QuerySet) -> QuerySet:
    # The stock lock (docs/architecture.md#the-stock-lock), taken in pk order: the same
    # lock the low-stock rules take.
    return products.select_for_stock_change()


def _who(actor: AbstractBaseUser | None = None) -> dict:
    actor = actor if actor is not None else get_actor()
    return {"actor": actor, "actor_username": actor.get_username() if actor else ""}


# --- one product: save() and delete() through catalog.receivers ---------------------------


def stock_before_save(*, product: Product, update_fields: Iterable[str] | None) -> None:
    """Lock the row about to be saved and remember its committed stock (pre_save)."""
    product._ledger_stock_before = None
    if product.pk is None:  # an INSERT: post_save records it as created
        return
    if update_fields is not None and "stock" not in update_fields:
        return
    product._ledger_stock_before = (
        _locked(Product.objects.filter(pk=product.pk)).values_list("stock", flat=True).first()
    )


def stock_after_save(*, product: Product, created: bool) -> StockMovement | None:
    """Record the saved product's stock change, if any (post_save, same transaction)."""
    before = getattr(product, "_ledger_stock_before", None)
    if not created and before is None:
        return None  # the stock was not saved
    after = product.stock
    if not isinstance(after, int):
        # An F() expression: read what the database stored, and keep it on the instance
        # so later receivers (the alert rules) and the caller see a number.
        after = Product.objects.filter(pk=product.pk).values_list("stock", flat=True).get()
        product.stock = after
    before = 0 if created or before is None else before
    if not created and before == after:
        return None
    why = _why.get()
    if why is None or why.reason == Reason.EDITED:
        reason = Reason.CREATED if created else (why.reason if why else Reason.SYSTEM)
        note = why.note if why else ""
    else:
        reason, note = why.reason, why.note
    return StockMovement.objects.create(
        product_id=product.pk,
        product_pk=product.pk,
        sku=product.sku,
        stock_before=before,
        stock_after=after,
        delta=after - before,
        reason=reason,
        note=note,
        **_who(),
    )


def stock_before_delete(*, product: Product) -> StockMovement:
    """Record a product going to 0 as it is deleted (pre_delete, in the delete's transaction)."""
    before = _locked(Product.objects.filter(pk=product.pk)).values_list("stock", flat=True).first()
    before = product.stock if before is None else before
    return StockMovement.objects.create(
        product_id=product.pk,
        product_pk=product.pk,
        sku=product.sku,
        stock_before=before,
        stock_after=0,
        delta=-before,
        reason=Reason.DELETION,
        note=(_why.get() or StockChange("")).note,
        **_who(),
    )


# --- set-wise ------------------------------------------------------------------------


def stock_movements_record(
    *,
    changes: Iterable[tuple[int, str, int, int]],
    reason: str,
    note: str = "",
    actor: AbstractBaseUser | None = None,
) -> int:
    """Insert one movement per (product pk, sku, before, after) whose stock changed, with
    one executemany; the caller holds the stock lock on these products. The actor defaults
    to the request's. Returns the count."""
    who = _who(actor)
    now = timezone.now()
    rows = [
        {
            "product_id": pk,
            "product_pk": pk,
            "sku": sku,
            "stock_before": before,
            "stock_after": after,
            "delta": after - before,
            "reason": reason,
            "actor_id": who["actor"].pk if who["actor"] else None,
            "actor_username": who["actor_username"],
            "created_at": now,
            "note": note[:255],
        }
        for pk, sku, before, after in changes
        if before != after
    ]
    insert_rows(model=StockMovement, rows=rows)
    return len(rows)


def stock_movements_created(
    *,
    product_ids: list[int],
    reason: str,
    note: str = "",
    actor: AbstractBaseUser | None = None,
) -> None:
    """Record products just inserted set-wise (an import's new rows): 0 → their stock, in
    one INSERT ... SELECT per step of ids, read from the rows themselves."""
    who = _who(actor)
    columns = [
        "product_id", "product_pk", "sku", "stock_before", "stock_after", "delta",
        "reason", "actor_id", "actor_username", "created_at", "note",
    ]  # fmt: skip
    quote = connection.ops.quote_name
    movement_columns = ", ".join(
        quote(StockMovement._meta.get_field(name).column) for name in columns
    )
    product_table = quote(Product._meta.db_table)
    stock, pk, sku = quote("stock"), quote("id"), quote("sku")
    now = StockMovement._meta.get_field("created_at").get_db_prep_save(timezone.now(), connection)
    actor_id = who["actor"].pk if who["actor"] else None
    with connection.cursor() as cursor:
        for start in range(0, len(product_ids), IDS_PER_QUERY):
            ids = product_ids[start : start + IDS_PER_QUERY]
            cursor.execute(
                f"INSERT INTO {quote(StockMovement._meta.db_table)} ({movement_columns}) "
                f"SELECT {pk}, {pk}, {sku}, 0, {stock}, {stock}, %s, %s, %s, %s, %s "
                f"FROM {product_table} WHERE {pk} IN ({', '.join(['%s'] * len(ids))})",
                [reason, actor_id, who["actor_username"], now, note[:255], *ids],
            )


@transaction.atomic
def products_set_stock(*, queryset: QuerySet[Product], stock: int, reason: str) -> list[int]:
    """Set these products' stock set-wise under the stock lock; one movement per product
    whose stock changed. Returns the changed products' pks (for the alert rules)."""
    current = list(_locked(queryset).values_list("pk", "sku", "stock"))
    changed = [(pk, sku, before, stock) for pk, sku, before in current if before != stock]
    ids = [pk for pk, *_ in changed]
    for start in range(0, len(ids), IDS_PER_QUERY):
        Product.objects.filter(pk__in=ids[start : start + IDS_PER_QUERY]).update(
            stock=stock, updated_at=timezone.now()
        )
    why = _why.get()
    stock_movements_record(changes=changed, reason=reason, note=why.note if why else "")
    return ids


def stock_movements_relink(
    *, product: Product, actor: AbstractBaseUser | None = None
) -> StockMovement | None:
    """A restored product gets its earlier movements back and one `restore` movement
    0 → its stock (its deletion took it to 0). Call inside the restore's transaction."""
    StockMovement.objects.filter(product_pk=product.pk, product__isnull=True).update(
        product_id=product.pk
    )
    before = _balance(product.pk)
    stock = _locked(Product.objects.filter(pk=product.pk)).values_list("stock", flat=True).get()
    if before == stock:
        return None
    return StockMovement.objects.create(
        product_id=product.pk,
        product_pk=product.pk,
        sku=product.sku,
        stock_before=before,
        stock_after=stock,
        delta=stock - before,
        reason=Reason.RESTORE,
        **_who(actor),
    )


def _balance(product_pk: int) -> int:
    total = StockMovement.objects.filter(product_pk=product_pk).aggregate(total=Sum("delta"))
    return total["total"] or 0


def stock_movements_balance(*, product_ids: list[int], note: str = "") -> int:
    """Add a `system` movement for each of these products whose stock is not the sum of its
    movements (a raw loaddata, an SQL fix). The caller holds the stock lock on them."""
    balances = dict(
        StockMovement.objects.filter(product_pk__in=product_ids)
        .values_list("product_pk")
        .annotate(total=Sum("delta"))
        .order_by()
    )
    current = Product.objects.filter(pk__in=product_ids).values_list("pk", "sku", "stock")
    changes = [
        (pk, sku, balances.get(pk, 0), stock)
        for pk, sku, stock in current.order_by("pk")
        if balances.get(pk, 0) != stock
    ]
    return stock_movements_record(
        changes=changes, reason=Reason.SYSTEM, note=note or "Balance check"
    )


def products_out_of_balance() -> QuerySet[Product]:
    """Products whose stock differs from the sum of their movements (checks and tests)."""
    sums = (
        StockMovement.objects.filter(product_pk=OuterRef("pk"))
        .order_by()
        .values("product_pk")
        .annotate(total=Sum("delta"))
        .values("total")
    )
    return Product.objects.annotate(ledger=Coalesce(Subquery(sums), Value(0))).exclude(
        ledger=F("stock")
    )
