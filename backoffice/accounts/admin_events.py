"""The record of account changes and invitations in the admin: superusers read it; nobody
adds, changes or deletes a record (docs/architecture.md#the-staff-lifecycle)."""

from django.contrib import admin

from backoffice.kit.lookups import DeclaredLookupsOnlyMixin
from backoffice.kit.read_only import ReadOnlyAdminMixin

from .models import AccountEvent


@admin.register(AccountEvent)
class AccountEventAdmin(ReadOnlyAdminMixin, DeclaredLookupsOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor_username", "kind", "target_username", "detail"]
    list_filter = ["kind"]
    search_fields = ["actor_username", "target_username"]
    search_help_text = "Search by username (who acted or whom)."
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    fields = list_display
    readonly_fields = list_display
