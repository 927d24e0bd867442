"""UserAdmin customised for staff management: groups at a glance, no privilege escalation."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, User
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest

from catalog.import_admin import BulkImportExportMixin
from catalog.resources import UserResource

admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BulkImportExportMixin, DjangoUserAdmin):
    resource_classes = [UserResource]
    list_display = [
        "username",
        "email",
        "full_name",
        "group_names",
        "is_staff",
        "is_active",
        "last_login",
    ]
    list_filter = ["groups", "is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "email", "first_name", "last_name"]
    ordering = ["username"]
    list_per_page = 50
    show_full_result_count = False

    # Only superusers may grant superuser status or individual permissions.
    superuser_only_fields = ("is_superuser", "user_permissions")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name")))
        )

    @admin.display(description="name", ordering="last_name")
    def full_name(self, user: User) -> str:
        return user.get_full_name()

    @admin.display(description="groups")
    def group_names(self, user: User) -> str:
        return ", ".join(group.name for group in user.groups.all()) or "—"

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += [f for f in self.superuser_only_fields if f not in readonly]
        return readonly
