"""UserAdmin customised for staff management: groups at a glance, no privilege escalation."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import ReadOnlyPasswordHashWidget
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest

from backoffice.accounts.resources import UserResource
from backoffice.kit.importing.admin import BulkImportExportMixin

from .rules import groups_grantable_by, user_groups_check_grantable, user_permissions_beyond

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

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # Changing a superuser (their password, say) would be a way to become one.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = ""):
        user = self.get_object(request, unquote(id))
        # Whoever sets a password can log in as that user: only for users holding nothing
        # more than the editor.
        if user is not None and user_permissions_beyond(user=user, editor=request.user):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def get_form(self, request: HttpRequest, obj: User | None = None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser or "groups" not in form.base_fields:
            return form
        return type(form.__name__, (GroupGrantGuardMixin, form), {"editor": request.user})


class LockedPasswordHashWidget(ReadOnlyPasswordHashWidget):
    template_name = "accounts/widgets/password_locked.html"


class GroupGrantGuardMixin:
    """A user form for a non-superuser editor: only groups it may grant are offered, a
    forged POST adding another group gets a clear error (backoffice.accounts.rules), and no
    password button is shown for a user holding more than the editor."""

    editor: User

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offered = groups_grantable_by(user=self.editor)
        if self.instance.pk:
            offered = offered | Group.objects.filter(user=self.instance)
        # The field still validates against every group, so a refused one is named in the
        # error instead of being reported as an unknown choice.
        self.fields["groups"].widget.choices = [
            (group.pk, group.name) for group in offered.distinct().order_by("name")
        ]
        password = self.fields.get("password")
        if (
            password
            and self.instance.pk
            and user_permissions_beyond(user=self.instance, editor=self.editor)
        ):
            password.widget = LockedPasswordHashWidget()
            password.help_text = (
                "You cannot set this user's password: they hold permissions you do not have."
            )

    def clean_groups(self):
        groups = self.cleaned_data["groups"]
        user_groups_check_grantable(editor=self.editor, user=self.instance, groups=groups)
        return groups
