"""Admin for the alerts app: stock alerts to acknowledge or resolve (deletion records:
alerts.deletion_admin). Both are history: nobody adds, edits or deletes them here.
"""

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from backoffice.kit.admin_log import CHANGE, admin_log_entry
from backoffice.kit.admin_urls import admin_change_url
from backoffice.kit.moments import moment_display

from . import (
    deletion_admin,  # noqa: F401  (registers DeletionRecordAdmin)
    services,
)
from .history_admin import ReadOnlyHistoryAdmin
from .models import StockAlert

STATUS_BADGES = {
    status: format_html('<span class="badge {}">{}</span>', css, status.label)
    for status, css in [
        (StockAlert.Status.OPEN, "text-bg-danger"),
        (StockAlert.Status.ACKNOWLEDGED, "text-bg-warning"),
        (StockAlert.Status.RESOLVED, "text-bg-success"),
    ]
}


class StatusFilter(admin.SimpleListFilter):
    """Status, plus "unresolved" (open or acknowledged): what the badge and dashboard count."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("unresolved", "Unresolved (open or acknowledged)"), *StockAlert.Status.choices]

    def queryset(self, request, queryset: QuerySet[StockAlert]):
        if self.value() == "unresolved":
            return queryset.unresolved()
        if self.value() in StockAlert.Status.values:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(StockAlert)
class StockAlertAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "status_badge", "sku", "product_link", "stock_level", "raised_by", "age", "handled",
    ]  # fmt: skip
    list_display_links = ["sku"]
    list_filter = [StatusFilter, "raised_at"]
    search_fields = ["sku", "product_name"]
    search_help_text = "Search by SKU or product name."
    ordering = ["-raised_at", "-pk"]
    list_per_page = 50
    list_select_related = ["acknowledged_by", "movement"]
    fields = [
        "status",
        "sku",
        "product_name",
        "product_link",
        "stock",
        "threshold",
        "raised_at",
        "raised_by",
        "acknowledged_at",
        "acknowledged_by",
        "resolved_at",
        "stock_at_resolution",
    ]
    readonly_fields = fields
    actions = ["acknowledge", "resolve"]

    def has_acknowledge_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("alerts.acknowledge_stockalert")

    def get_urls(self):
        return [
            path(
                "<path:object_id>/acknowledge/",
                self.admin_site.admin_view(require_POST(self.acknowledge_view)),
                name="alerts_stockalert_acknowledge",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="status", ordering="status")
    def status_badge(self, alert: StockAlert) -> str:
        return STATUS_BADGES[alert.status]

    @admin.display(description="product", ordering="product_name")
    def product_link(self, alert: StockAlert) -> str:
        if alert.product_id is None:
            return format_html('{} <span class="text-muted">(deleted)</span>', alert.product_name)
        url = admin_change_url("catalog", "product", alert.product_id)
        return format_html('<a href="{}">{}</a>', url, alert.product_name)

    @admin.display(description="raised by")
    def raised_by(self, alert: StockAlert) -> str:
        """The stock movement that raised it, linked: "stock 12 → 3 by import x.csv, by ines"."""
        if alert.movement_id is None:
            return "—"
        url = admin_change_url("catalog", "stockmovement", alert.movement_id)
        return format_html('<a href="{}">{}</a>', url, alert.movement.summary)

    @admin.display(description="stock / threshold", ordering="stock")
    def stock_level(self, alert: StockAlert) -> str:
        return f"{alert.stock} / {alert.threshold}"

    # Not "age": a resolved alert raised two weeks ago shows how long it stayed unresolved.
    @admin.display(description="unresolved for", ordering="raised_at")
    def age(self, alert: StockAlert) -> str:
        """How long it was (or has been) unresolved."""
        end = alert.resolved_at or timezone.now()
        if end - alert.raised_at < timedelta(minutes=1):
            return "under a minute"
        return timesince(alert.raised_at, end, depth=1)

    @admin.display(description="handled")
    def handled(self, alert: StockAlert) -> str:
        if alert.status == StockAlert.Status.RESOLVED:
            text = "resolved"
            if alert.resolved_at:
                text += f" {moment_display(alert.resolved_at)}"
            if alert.stock_at_resolution is not None:
                text += f" at stock {alert.stock_at_resolution}"
            return text
        if alert.acknowledged_by_id:
            return format_html("acknowledged by {}", alert.acknowledged_by.get_username())
        return "—"

    @admin.action(description="Acknowledge selected alerts", permissions=["acknowledge"])
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[StockAlert]) -> None:
        count = services.stock_alerts_acknowledge(alerts=queryset, user=request.user)
        if count:
            admin_log_entry(
                user=request.user,
                model=StockAlert,
                action_flag=CHANGE,
                object_repr=ngettext("%d stock alert", "%d stock alerts", count) % count,
                message=f"Acknowledged {count} stock alert{pluralize(count)}.",
            )
        self._report(request, count, "acknowledged", why_none="the selected ones were not open")

    @admin.action(description="Resolve selected alerts", permissions=["acknowledge"])
    def resolve(self, request: HttpRequest, queryset: QuerySet[StockAlert]) -> None:
        count = services.stock_alerts_resolve(alerts=queryset)
        # Acknowledged alerts are resolved too: only resolved ones are left alone.
        self._report(request, count, "resolved", why_none="the selected ones were resolved already")

    def acknowledge_view(self, request: HttpRequest, object_id: str) -> HttpResponseRedirect:
        """The dashboard's per-alert button: POST, then back where it came from."""
        if not self.has_acknowledge_permission(request):
            raise PermissionDenied
        alert = self._object_or_404(request, object_id)
        count = services.stock_alerts_acknowledge(
            alerts=StockAlert.objects.filter(pk=alert.pk), user=request.user
        )
        if count:
            admin_log_entry(
                user=request.user,
                model=StockAlert,
                action_flag=CHANGE,
                obj=alert,
                message="Acknowledged.",
            )
            self.message_user(request, f"Alert for {alert.sku} acknowledged.", messages.SUCCESS)
        else:
            self.message_user(
                request,
                f"Alert for {alert.sku} is {alert.get_status_display().lower()} already.",
                messages.INFO,
            )
        return self._redirect_back(request, reverse("admin:alerts_stockalert_changelist"))

    def _report(self, request: HttpRequest, count: int, done: str, *, why_none: str) -> None:
        if count:
            message = ngettext("%(count)d alert %(done)s.", "%(count)d alerts %(done)s.", count) % {
                "count": count,
                "done": done,
            }
            self.message_user(request, message, messages.SUCCESS)
        else:
            self.message_user(request, f"No alert {done}: {why_none}.", messages.INFO)
