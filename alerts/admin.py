"""Admin for the alerts app: stock alerts to acknowledge or resolve, deletion records to
read and restore. Both are history: nobody adds, edits or deletes them here.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.timesince import timesince
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from backoffice.kit.admin_log import ADDITION, CHANGE, admin_log_entry
from backoffice.kit.admin_urls import ObjectUrlsMixin, admin_change_url
from backoffice.kit.list_filters import IndexedRelatedOnlyFieldListFilter, distinct_values
from backoffice.kit.lookups import DeclaredLookupsOnlyMixin
from backoffice.kit.pagination import LargeTableCountsMixin

from . import services
from .models import DeletionRecord, StockAlert
from .receivers import TRACKED_MODELS
from .rules import deletion_record_may_restore

STATUS_BADGES = {
    status: format_html('<span class="badge {}">{}</span>', css, status.label)
    for status, css in [
        (StockAlert.Status.OPEN, "text-bg-danger"),
        (StockAlert.Status.ACKNOWLEDGED, "text-bg-warning"),
        (StockAlert.Status.RESOLVED, "text-bg-success"),
    ]
}
NOT_RESTORED_BADGE = format_html('<span class="badge text-bg-secondary">{}</span>', "No")


class ReadOnlyHistoryAdmin(
    DeclaredLookupsOnlyMixin, LargeTableCountsMixin, ObjectUrlsMixin, admin.ModelAdmin
):
    """Records written by the system: viewable, never added, edited or deleted by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def _object_or_404(self, request: HttpRequest, object_id: str):
        # get_object turns an id the primary key cannot hold ("abc", "..", 10**30) into
        # None, as the change view does: not found, never a server error.
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with this ID.")
        return obj

    def _redirect_back(self, request: HttpRequest, fallback: str) -> HttpResponseRedirect:
        """Back to ?next= when it is a URL of this site (the dashboard), else to fallback."""
        target = request.POST.get("next") or request.GET.get("next")
        if not target or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = fallback
        return HttpResponseRedirect(target)


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

    @admin.display(description="age", ordering="raised_at")
    def age(self, alert: StockAlert) -> str:
        end = alert.resolved_at or timezone.now()
        return timesince(alert.raised_at, end, depth=1)

    @admin.display(description="handled")
    def handled(self, alert: StockAlert) -> str:
        if alert.status == StockAlert.Status.RESOLVED:
            when = alert.resolved_at and timezone.localtime(alert.resolved_at)
            return f"resolved {when:%Y-%m-%d %H:%M}" if when else "resolved"
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
        self._report(request, count, "acknowledged")

    @admin.action(description="Resolve selected alerts", permissions=["acknowledge"])
    def resolve(self, request: HttpRequest, queryset: QuerySet[StockAlert]) -> None:
        count = services.stock_alerts_resolve(alerts=queryset)
        self._report(request, count, "resolved")

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

    def _report(self, request: HttpRequest, count: int, done: str) -> None:
        if count:
            message = ngettext("%(count)d alert %(done)s.", "%(count)d alerts %(done)s.", count) % {
                "count": count,
                "done": done,
            }
            self.message_user(request, message, messages.SUCCESS)
        else:
            self.message_user(
                request, f"No alert {done}: the selected ones were not open.", messages.INFO
            )


class DeletedByFilter(admin.SimpleListFilter):
    """By username, which outlives the account (deleted_by does not)."""

    title = "deleted by"
    parameter_name = "deleted_by"

    def lookups(self, request, model_admin):
        # From the username index, one probe per name (backoffice.kit.list_filters).
        usernames = distinct_values(DeletionRecord, "deleted_by_username")
        return [(name or "-", name or "System (shell, commands)") for name in usernames]

    def queryset(self, request, queryset: QuerySet[DeletionRecord]):
        if self.value() is None:
            return queryset
        return queryset.filter(deleted_by_username="" if self.value() == "-" else self.value())


@admin.register(DeletionRecord)
class DeletionRecordAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "object_repr",
        "object_type",
        "object_pk",
        "deleted_by_name",
        "deleted_at",
        "restored",
    ]
    list_filter = [
        ("content_type", IndexedRelatedOnlyFieldListFilter),
        "deleted_at",
        DeletedByFilter,
        ("restored_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["object_repr", "=object_pk", "deleted_by_username"]
    search_help_text = "Search by name, exact ID or username."
    # No date_hierarchy: it reads every row (SELECT DISTINCT over a date function) on each
    # page view; the "deleted_at" filter above offers the same ranges without a query.
    ordering = ["-deleted_at", "-pk"]
    list_per_page = 50
    list_select_related = ["content_type", "restored_by"]
    fields = [
        "object_type",
        "object_pk",
        "object_repr",
        "deleted_by_name",
        "deleted_at",
        "restored_at",
        "restored_by",
        "snapshot_table",
    ]
    readonly_fields = fields
    actions = ["restore"]

    def has_restore_permission(self, request: HttpRequest) -> bool:
        # Per record, the service checks the add permission on the deleted object's model.
        return any(
            request.user.has_perm("{}.add_{}".format(*label.lower().split(".")))
            for label in TRACKED_MODELS
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/restore/",
                self.admin_site.admin_view(require_POST(self.restore_view)),
                name="alerts_deletionrecord_restore",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        record = self.get_object(request, object_id)
        can_restore = record is not None and deletion_record_may_restore(
            user=request.user, record=record
        )
        extra_context = {"can_restore": can_restore, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="type", ordering="content_type__model")
    def object_type(self, record: DeletionRecord) -> str:
        return record.content_type.name.capitalize()

    @admin.display(description="deleted by", ordering="deleted_by_username")
    def deleted_by_name(self, record: DeletionRecord) -> str:
        return record.deleted_by_username or "System (shell, commands)"

    @admin.display(description="restored?", ordering="restored_at")
    def restored(self, record: DeletionRecord) -> str:
        if record.restored_at is None:
            return NOT_RESTORED_BADGE
        by = record.restored_by.get_username() if record.restored_by else "a deleted user"
        return format_html(
            '<span class="badge text-bg-success" title="by {}">{}</span>',
            by,
            f"Restored {timezone.localtime(record.restored_at):%Y-%m-%d}",
        )

    @admin.display(description="snapshot")
    def snapshot_table(self, record: DeletionRecord) -> str:
        model = record.content_type.model_class()
        fields = {f.name: f for f in model._meta.concrete_fields} if model else {}
        fields.update({f.name: f for f in model._meta.many_to_many} if model else {})
        rows = [("ID", record.snapshot.get("pk"))]
        for name, value in record.snapshot.get("fields", {}).items():
            field = fields.get(name)
            label = capfirst(field.verbose_name) if field else name
            rows.append((label, _readable_snapshot_value(name, value, field)))
        return format_html(
            '<table class="table table-sm table-striped mb-0 snapshot"><tbody>{}</tbody></table>',
            format_html_join("", "<tr><th scope='row'>{}</th><td>{}</td></tr>", rows),
        )

    @admin.action(description="Restore selected records", permissions=["restore"])
    def restore(self, request: HttpRequest, queryset: QuerySet[DeletionRecord]) -> None:
        restored = 0
        for record in queryset.select_related("content_type"):
            restored += self._restore_one(request, record)
        if restored:
            message = ngettext("%d object restored.", "%d objects restored.", restored) % restored
            self.message_user(request, message, messages.SUCCESS)

    def restore_view(self, request: HttpRequest, object_id: str) -> HttpResponseRedirect:
        """The button on a record's page and on the dashboard: POST, then back."""
        record = self._object_or_404(request, object_id)
        if not self.has_view_permission(request, record):
            raise PermissionDenied
        if self._restore_one(request, record):
            self.message_user(
                request,
                f"{record.content_type.name.capitalize()} “{record.object_repr}” restored.",
                messages.SUCCESS,
            )
        fallback = reverse("admin:alerts_deletionrecord_change", args=[record.pk])
        return self._redirect_back(request, fallback)

    def _restore_one(self, request: HttpRequest, record: DeletionRecord) -> bool:
        try:
            restored = services.deletion_record_restore(record=record, user=request.user)
        except PermissionDenied as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return False
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return False
        admin_log_entry(
            user=request.user,
            model=type(restored),
            action_flag=ADDITION,
            obj=restored,
            message=f"Restored from deletion record {record.pk}.",
        )
        if isinstance(restored, AbstractBaseUser):
            self.message_user(
                request,
                f"User “{record.object_repr}” has no usable password (deletion records never "
                "keep one): set one on their page before they can log in.",
                messages.WARNING,
            )
        return True


def _readable_snapshot_value(name: str, value, field) -> str:
    if name in services.SNAPSHOT_SECRET_FIELDS:
        # Records written before hashes were stripped (and not cleaned by migration).
        return "•••••••• (hidden)"
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):  # many-to-many primary keys
        return ", ".join(str(item) for item in value)
    if isinstance(field, models.DateTimeField) and (moment := parse_datetime(str(value))):
        return date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    return str(value)
