"""Admins of records the system writes: viewable, never added, changed or deleted by hand.

Superusers included: these return False without asking has_perm, which grants a superuser
everything. The only writes are the owning app's services (docs/architecture.md).
"""

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
