"""A stock edit from a page shown earlier (the change form, a list edit row): it never
overwrites a change another writer made since (docs/architecture.md#the-stock-ledger)."""

from .models import Product, StockMovement


class StockEditConflict(Exception):
    """An edit changed a product's stock that another writer changed too since the edit's
    page showed it; the message names both changes."""

    def __init__(self, *, seen: int, current: int, wanted: int, latest: StockMovement | None):
        self.current = current
        since = f"{latest.summary}" if latest and latest.stock_after == current else ""
        super().__init__(
            f"The stock changed from {seen} to {current} since this page was opened"
            + (f" ({since})" if since else "")
            + f"; your {wanted} was not saved. Save again to set it to {wanted} anyway, or "
            "enter another stock."
        )


def stock_edit_resolve(*, product_id: int, seen: int, wanted: int) -> int:
    """The stock to save for an edit of one product (the change form, a list edit row) whose
    page showed `seen` and that posts `wanted`, decided from the committed stock under the
    stock lock (docs/architecture.md#the-stock-lock): `wanted` when the stock is still
    `seen` (or is `wanted` already); the committed stock when the edit left the stock as it
    was shown (another writer's change is kept, not overwritten by the page's old value);
    StockEditConflict when both changed it. Call it in the transaction of the save."""
    products = Product.objects.filter(pk=product_id).select_for_stock_change()
    current = products.values_list("stock", flat=True).first()
    if current is None or current in (seen, wanted):
        return wanted
    if wanted == seen:
        return current
    latest = StockMovement.objects.filter(product_pk=product_id).order_by("-pk").first()
    raise StockEditConflict(seen=seen, current=current, wanted=wanted, latest=latest)
