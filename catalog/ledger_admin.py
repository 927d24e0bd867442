"""Admin of the stock ledger: the Stock movements list (read-only for everyone) and the
Stock history section of the product page (docs/architecture.md#the-stock-ledger).

Every filter's choices come from a small table or a fixed list, never from the movements:
reasons are the model's choices, users the user table, a product the one asked for.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import BadRequest
from django.db.models import QuerySet
from django.db.models.functions import Upper
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from import_export import fields

from backoffice.kit.importing.admin import BulkImportExportMixin
from backoffice.kit.importing.resources import FormulaSafeResource
from backoffice.kit.lookups import DeclaredLookupsOnlyMixin
from backoffice.kit.moments import moment_display
from backoffice.kit.pagination import LargeTableCountsMixin
from backoffice.kit.read_only import ReadOnlyAdminMixin

from .models import Product, StockMovement

STOCK_HISTORY_ROWS = 20


class ProductFilter(admin.SimpleListFilter):
    """?product=<product ID>: one product's history (its page links here), deleted or not.

    Its choices come from the admin's own autocomplete view as staff type (Django's
    AutocompleteJsonView over ProductAdmin's search and view permission, 20 a page): no list
    of products and no query over the movements. The page reads only the chosen product, by
    pk. A value that is not a product ID answers 400.
    """

    title = "product"
    parameter_name = "product"
    template = "catalog/product_filter.html"

    def has_output(self) -> bool:
        return True  # the search box shows with nothing chosen, unlike a fixed list

    def product_pk(self) -> int | None:
        value = self.value()
        if not value:
            return None
        # Up to 18 ASCII digits: a number any bigint holds (not "²", not 10**30).
        if not (value.isascii() and value.isdigit() and len(value) <= 18):
            raise BadRequest("The product filter takes a product ID.")
        return int(value)

    def lookups(self, request, model_admin):
        pk = self.product_pk()
        if pk is None:
            return []
        product = Product.objects.filter(pk=pk).only("sku", "name").first()
        return [(str(pk), str(product) if product else f"Deleted product (ID {pk})")]

    def queryset(self, request, queryset: QuerySet[StockMovement]):
        pk = self.product_pk()
        return queryset if pk is None else queryset.filter(product_pk=pk)


class ActorFilter(admin.RelatedFieldListFilter):
    """Staff from the user table (a small table), not the distinct actors of the movements.
    Titled "by", as the list's column (the field's name, "actor", is no word of the pages)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "by"

    def field_choices(self, field, request, model_admin):
        return list(
            get_user_model()
            .objects.filter(is_staff=True)
            .order_by("username")
            .values_list("pk", "username")
        )


class StockMovementResource(FormulaSafeResource):
    product = fields.Field("product_pk", "product")
    by = fields.Field("actor_username", "by")

    class Meta:
        model = StockMovement
        fields = [
            "created_at", "product", "sku", "stock_before", "stock_after", "delta",
            "reason", "by", "note",
        ]  # fmt: skip
        export_order = fields


@admin.register(StockMovement)
class StockMovementAdmin(
    ReadOnlyAdminMixin,
    DeclaredLookupsOnlyMixin,
    LargeTableCountsMixin,
    BulkImportExportMixin,
    admin.ModelAdmin,
):
    resource_classes = [StockMovementResource]
    list_display = [
        "created_at", "product_link", "change", "delta_badge", "reason", "actor_username", "note",
    ]  # fmt: skip
    list_display_links = ["created_at"]
    list_filter = [
        ProductFilter,
        "reason",
        ("actor", ActorFilter),
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["sku"]
    search_help_text = "Search by SKU (exact, any letter case)."
    ordering = ["-id"]
    sortable_by = []
    list_per_page = 50
    readonly_fields = [
        "created_at", "product_link", "sku", "stock_before", "stock_after", "delta",
        "reason", "actor_username", "note",
    ]  # fmt: skip
    fields = readonly_fields

    class Media:
        js = ["catalog/product_filter.js"]

    def get_actions(self, request: HttpRequest):
        return {}

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        # catalog_movement_sku_idx is on UPPER(sku): an exact match in any letter case.
        return queryset.alias(sku_upper=Upper("sku")).filter(sku_upper=term.upper()), False

    @admin.display(description="product")
    def product_link(self, movement: StockMovement) -> str:
        if movement.product_id is None:
            return format_html("{} <small>(deleted)</small>", movement.sku)
        url = reverse("admin:catalog_product_change", args=[movement.product_id])
        return format_html('<a href="{}">{}</a>', url, movement.sku)

    @admin.display(description="stock")
    def change(self, movement: StockMovement) -> str:
        return f"{movement.stock_before} → {movement.stock_after}"

    # "change", as the dashboard's stock drops and the product page's Stock history say it.
    @admin.display(description="change")
    def delta_badge(self, movement: StockMovement) -> str:
        css = "text-bg-success" if movement.delta > 0 else "text-bg-danger"
        if movement.delta == 0:
            css = "text-bg-secondary"
        return format_html('<span class="badge {}">{}</span>', css, f"{movement.delta:+d}")


def stock_history_html(*, product_pk: int) -> str:
    """The product page's Stock history: its latest movements in one query, a link to all."""
    movements = list(
        StockMovement.objects.filter(product_pk=product_pk).order_by("-id")[:STOCK_HISTORY_ROWS]
    )
    all_url = reverse("admin:catalog_stockmovement_changelist") + f"?product={product_pk}"
    if not movements:
        return format_html('No stock movements yet. <a href="{}">Stock movements</a>', all_url)
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td class='text-end'>{} → {}</td><td class='text-end'>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                moment_display(movement.created_at),
                movement.stock_before,
                movement.stock_after,
                f"{movement.delta:+d}",
                movement.get_reason_display(),
                movement.actor_username or "System",
                movement.note,
            )
            for movement in movements
        ),
    )
    return format_html(
        '<table class="table table-sm mb-1" id="stock-history"><thead><tr><th>When</th>'
        "<th class='text-end'>Stock</th><th class='text-end'>Change</th><th>How</th>"
        "<th>By</th><th>Note</th></tr></thead><tbody>{}</tbody></table>"
        '<a href="{}">All stock movements of this product</a>',
        rows,
        all_url,
    )
