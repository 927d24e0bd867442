"""The record of account changes and invitations in the admin: superusers read it; nobody
adds, changes or deletes a record (docs/architecture.md#the-staff-lifecycle)."""

from django.contrib import admin
from django.http import HttpRequest

from backoffice.kit.lookups import DeclaredLookupsOnlyMixin

from .models import AccountEvent


@admin.register(AccountEvent)
class AccountEventAdmin(DeclaredLookupsOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor_username", "kind", "target_username", "detail"]
    list_filter = ["kind"]
    search_fields = ["actor_username", "target_username"]
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    fields = list_display
    readonly_fields = list_display

    # No role holds a permission on this model: only superusers see it.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
