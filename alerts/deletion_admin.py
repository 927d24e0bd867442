"""Admin of deletion records: read a snapshot, restore the object it describes."""

from django.contrib import admin, messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from backoffice.kit.admin_log import ADDITION, admin_log_entry
from backoffice.kit.list_filters import IndexedRelatedOnlyFieldListFilter, distinct_values
from backoffice.kit.moments import moment_display

from . import services
from .deletions import SNAPSHOT_SECRET_FIELDS
from .history_admin import ReadOnlyHistoryAdmin
from .models import DeletionRecord
from .receivers import TRACKED_MODELS
from .rules import (
    deletion_record_may_restore,
    deletion_record_types_visible_to,
    deletion_records_visible_to,
)

NOT_RESTORED_BADGE = format_html('<span class="badge text-bg-secondary">{}</span>', "No")


class DeletedByFilter(admin.SimpleListFilter):
    """By username, which outlives the account (deleted_by does not)."""

    title = "deleted by"
    parameter_name = "deleted_by"

    def lookups(self, request, model_admin):
        # From the username indexes, one probe per name (backoffice.kit.list_filters), among
        # the records of the types the reader sees: no name of who deleted what they do not.
        types = deletion_record_types_visible_to(user=request.user)
        among = None if types is None else ("content_type", [t.pk for t in types])
        usernames = distinct_values(DeletionRecord, "deleted_by_username", among=among)
        return [(name or "-", name or "System (shell, commands)") for name in usernames]

    def queryset(self, request, queryset: QuerySet[DeletionRecord]):
        if self.value() is None:
            return queryset
        return queryset.filter(deleted_by_username="" if self.value() == "-" else self.value())


class TypeFilter(IndexedRelatedOnlyFieldListFilter):
    """The deleted object's type, titled and named as the list's "type" column says it
    ("Product"; the content type itself reads "content type" and "Catalog | product")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "type"

    def field_choices(self, field, request, model_admin):
        # The index holds every type deleted; offered are those whose records the reader sees.
        types = deletion_record_types_visible_to(user=request.user)
        visible = None if types is None else {t.pk for t in types}
        return [
            (pk, type_name(ContentType.objects.get_for_id(pk)))
            for pk, _label in super().field_choices(field, request, model_admin)
            if visible is None or pk in visible
        ]


def type_name(content_type: ContentType) -> str:
    return content_type.name.capitalize()


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
        ("content_type", TypeFilter),
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[DeletionRecord]:
        # The list, the record's page, restore and the actions: models the user may view.
        # Who may view no record at all gets the admin's 403 (it looks the record up first).
        records = super().get_queryset(request)
        if not self.has_view_permission(request):
            return records
        return deletion_records_visible_to(user=request.user, records=records)

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
        return type_name(record.content_type)

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
            f"Restored {date_format(timezone.localtime(record.restored_at))}",
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
    if name in SNAPSHOT_SECRET_FIELDS:
        # Records written before hashes were stripped (and not cleaned by migration).
        return "•••••••• (hidden)"
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):  # many-to-many primary keys
        return ", ".join(str(item) for item in value)
    if isinstance(field, models.DateTimeField) and (moment := parse_datetime(str(value))):
        return moment_display(moment)
    return str(value)
