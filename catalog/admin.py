"""Admin for the catalog: products with stock badges, articles with a publishing workflow."""

import re

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import ngettext

from backoffice.kit.admin_urls import ObjectUrlsMixin
from backoffice.kit.db import integer_pks_in
from backoffice.kit.importing.admin import BulkImportExportMixin
from backoffice.kit.list_filters import IndexedRelatedOnlyFieldListFilter
from backoffice.kit.lookups import DeclaredLookupsOnlyMixin, search_words_check
from backoffice.kit.money import price_display
from backoffice.kit.pagination import LargeTableCountsMixin
from backoffice.kit.seen_values import SeenValuesAdminMixin

from . import ledger, search, services
from .forms import ArticleForm, ProductForm
from .ledger_admin import stock_history_html  # registers the Stock movements list too
from .models import Article, Product, StockMovement
from .resources import ArticleResource, ProductResource

# Built once: the list shows one per row.
STOCK_STATE_BADGES = {
    state: format_html('<span class="badge {}">{}</span>', css, label)
    for state, css, label in [
        ("out", "text-bg-danger", "Out of stock"),
        ("low", "text-bg-warning", "Low"),
        ("ok", "text-bg-success", "OK"),
    ]
}


class StockStateFilter(admin.SimpleListFilter):
    title = "stock state"
    parameter_name = "stock_state"

    def lookups(self, request, model_admin):
        return [("out", "Out of stock"), ("low", "Low (not out)"), ("ok", "OK")]

    def queryset(self, request, queryset: QuerySet[Product]):
        match self.value():
            case "out":
                return queryset.out_of_stock()
            case "low":
                return queryset.low_but_not_out()
            case "ok":
                return queryset.stock_ok()
        return queryset


LIST_EDIT_ID = re.compile(r"form-\d+-id")


def posted_product_ids(request: HttpRequest) -> list[int]:
    """The pks of the list edit's rows (the changelist formset's default prefix, `form`)."""
    return integer_pks_in(
        value for name, value in request.POST.items() if LIST_EDIT_ID.fullmatch(name)
    )


@admin.register(Product)
class ProductAdmin(
    DeclaredLookupsOnlyMixin,
    LargeTableCountsMixin,
    ObjectUrlsMixin,
    SeenValuesAdminMixin,
    BulkImportExportMixin,
    admin.ModelAdmin,
):
    resource_classes = [ProductResource]
    # The page carries the values it showed (the stock input its stock): a save never
    # overwrites a change made meanwhile (docs/architecture.md#lost-edits).
    form = ProductForm
    list_display = [
        "sku",
        "name",
        "price_with_currency",
        "stock",
        "stock_state",
        "low_stock_threshold",
        "is_active",
        "updated_at",
    ]
    list_display_links = ["sku"]
    list_editable = ["stock"]
    list_filter = [StockStateFilter, "is_active"]
    # What get_search_results does (catalog/search.py), spelt as Django's search options.
    search_fields = ["^sku", "name"]
    search_help_text = "Search by SKU prefix or by name."
    ordering = ["sku"]
    list_per_page = 50
    readonly_fields = ["created_at", "updated_at", "stock_history"]
    # Stock and price on the first tab: they are what staff open a product for. Every field
    # a save can refuse is there too (jazzmin's tabs do not mark a tab holding an error).
    fieldsets = [
        (
            "Stock and price",
            {"fields": ["sku", "name", "stock", "price", "low_stock_threshold", "is_active"]},
        ),
        ("Details", {"fields": ["description"]}),
    ]
    # The model's get_absolute_url is this admin page: "View on site" led back here.
    view_on_site = False
    actions = ["mark_active", "mark_inactive", "mark_out_of_stock"]

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        if not self.has_change_permission(request, obj):
            # A view-only page shows every field as text: the price with the shop's
            # currency, as the list shows it, not Django's bare "12.50".
            fieldsets = [
                (
                    name,
                    {
                        **options,
                        "fields": [
                            "price_with_currency" if field == "price" else field
                            for field in options["fields"]
                        ],
                    },
                )
                for name, options in fieldsets
            ]
        # Timestamps with the details, not on a "History" tab beside the History button.
        (first, details) = fieldsets
        fieldsets = [
            first,
            (details[0], {"fields": [*details[1]["fields"], "created_at", "updated_at"]}),
        ]
        if request.user.has_perm("catalog.view_stockmovement"):
            fieldsets.append(("Stock history", {"fields": ["stock_history"]}))
        return fieldsets

    # Every stock change made through this admin is recorded with how it was made
    # (docs/architecture.md#the-stock-ledger): the form, the list's inputs, an action.
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with ledger.stock_change_reason(StockMovement.Reason.EDITED):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def change_lock(self, pk: int) -> None:
        # The stock lock: the form also compares the stock its page showed with the
        # committed one (docs/architecture.md#the-stock-lock).
        services.products_lock(product_ids=[pk])

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=self.form, **kwargs)

    def changelist_view(self, request, extra_context=None):
        with ledger.stock_change_reason(StockMovement.Reason.LIST_EDIT):
            if not (request.method == "POST" and "_save" in request.POST):
                return super().changelist_view(request, extra_context)
            # A list edit saves its rows in page order: the page's products are locked in
            # pk order first, the order of every path that locks several products
            # (docs/architecture.md#the-stock-lock).
            with transaction.atomic():
                if self.has_change_permission(request):
                    services.products_lock(product_ids=posted_product_ids(request))
                return super().changelist_view(request, extra_context)

    def response_action(self, request, queryset):
        action = self.get_actions(request).get(request.POST.get("action", ""))
        note = str(action[2]) if action else ""
        with ledger.stock_change_reason(StockMovement.Reason.ACTION, note=note):
            return super().response_action(request, queryset)

    @admin.display(description="latest stock movements")
    def stock_history(self, product: Product) -> str:
        return stock_history_html(product_pk=product.pk)

    @admin.display(description="price", ordering="price")
    def price_with_currency(self, product: Product) -> str:
        return price_display(product.price)  # the export keeps the plain number

    @admin.display(description="state", ordering="stock")
    def stock_state(self, product: Product) -> str:
        if product.is_out_of_stock:
            return STOCK_STATE_BADGES["out"]
        if product.is_low_on_stock:
            return STOCK_STATE_BADGES["low"]
        return STOCK_STATE_BADGES["ok"]

    @admin.action(description="Mark selected products active", permissions=["change"])
    def mark_active(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._report_active_change(
            request, services.products_set_active(queryset=queryset, is_active=True), "active"
        )

    @admin.action(description="Mark selected products inactive", permissions=["change"])
    def mark_inactive(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._report_active_change(
            request, services.products_set_active(queryset=queryset, is_active=False), "inactive"
        )

    @admin.action(description="Mark selected products out of stock", permissions=["change"])
    def mark_out_of_stock(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        count = services.products_mark_out_of_stock(queryset=queryset)
        message = (
            ngettext("%d product set to stock 0.", "%d products set to stock 0.", count) % count
        )
        self.message_user(request, message, messages.SUCCESS if count else messages.INFO)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Product], search_term: str
    ) -> tuple[QuerySet[Product], bool]:
        search_words_check(search_term)
        if not search_term:
            return queryset, False
        return search.products_search(queryset=queryset, search_term=search_term), False

    def _report_active_change(self, request: HttpRequest, count: int, state: str) -> None:
        message = ngettext(
            "%(count)d product marked %(state)s.", "%(count)d products marked %(state)s.", count
        ) % {"count": count, "state": state}
        self.message_user(request, message, messages.SUCCESS)


@admin.register(Article)
class ArticleAdmin(
    DeclaredLookupsOnlyMixin,
    LargeTableCountsMixin,
    ObjectUrlsMixin,
    SeenValuesAdminMixin,
    BulkImportExportMixin,
    admin.ModelAdmin,
):
    resource_classes = [ArticleResource]
    form = ArticleForm  # never saves its page's old values over a change made meanwhile
    list_display = ["title", "status_badge", "author", "published_at", "updated_at"]
    list_filter = ["status", ("author", IndexedRelatedOnlyFieldListFilter), "published_at"]
    search_fields = ["title", "slug"]
    search_help_text = "Search by title or slug."
    # No date_hierarchy: it reads every row (SELECT DISTINCT over a date function) on each
    # page view; the "published_at" filter above offers the same ranges without a query.
    prepopulated_fields = {"slug": ["title"]}
    ordering = ["-updated_at", "-pk"]
    list_per_page = 50
    list_select_related = ["author"]
    autocomplete_fields = []
    readonly_fields = ["published_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "body"]}),
        (
            "Publishing",
            {"fields": ["status", "author", "published_at", "created_at", "updated_at"]},
        ),
    ]
    view_on_site = False  # as products: get_absolute_url is this admin page
    actions = ["publish", "unpublish"]

    @admin.display(description="status", ordering="status")
    def status_badge(self, article: Article) -> str:
        css = "text-bg-success" if article.is_published else "text-bg-secondary"
        return format_html('<span class="badge {}">{}</span>', css, article.get_status_display())

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("author", request.user.pk)
        return initial

    def save_model(self, request, obj: Article, form, change: bool) -> None:
        services.article_stamp_published(article=obj)
        super().save_model(request, obj, form, change)

    @admin.action(description="Publish selected articles", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        count = services.articles_publish(queryset=queryset)
        self.message_user(
            request,
            ngettext("%d article published.", "%d articles published.", count) % count,
            messages.SUCCESS if count else messages.INFO,
        )

    @admin.action(description="Unpublish selected articles", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        count = services.articles_unpublish(queryset=queryset)
        self.message_user(
            request,
            ngettext("%d article moved back to draft.", "%d articles moved back to draft.", count)
            % count,
            messages.SUCCESS if count else messages.INFO,
        )
