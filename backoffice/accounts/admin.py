"""The users' admin: groups at a glance, and every decision of who may do what to whom
asked of backoffice.accounts.rules. Group and django-axes' login records are registered
again with the lookup rule every list of the project follows."""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import ReadOnlyPasswordHashWidget
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.accounts.resources import UserResource
from backoffice.kit.importing.admin import BulkImportExportMixin
from backoffice.kit.lookups import DeclaredLookupsOnlyMixin, register_declared_lookups_only
from backoffice.kit.seen_values import SeenValuesAdminMixin, SeenValuesFormMixin

from . import admin_events  # noqa: F401  (registers the account events' admin)
from .admin_mixins import StaffAccountsAdminMixin
from .rules import (
    groups_assignable_by,
    user_fields_refused_to,
    user_groups_check_assignable,
    user_may_manage,
    user_password_set_refusal,
    users_manage_refusals,
)
from .usernames import UsernameAnyCaseFormMixin

admin.site.unregister(User)
register_declared_lookups_only(admin.site, [Group, AccessAttempt, AccessLog, AccessFailureLog])
# django-otp's device admins would show superusers everyone's TOTP secret (its QR code
# page): devices are managed by their owner, and reset from the user list.
admin.site.unregister([TOTPDevice, StaticDevice])


@admin.register(User)
class UserAdmin(
    StaffAccountsAdminMixin,
    DeclaredLookupsOnlyMixin,
    SeenValuesAdminMixin,  # a page opened earlier never undoes a change saved since
    BulkImportExportMixin,
    DjangoUserAdmin,
):
    resource_classes = [UserResource]
    list_display = [
        "username",
        "email",
        "full_name",
        "group_names",
        "is_staff",
        "is_active",
        "invitation",
        "two_factor",
        "last_login",
    ]
    list_filter = ["groups", "is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "email", "first_name", "last_name"]
    search_help_text = "Search by username, email or name."
    ordering = ["username"]
    list_per_page = 50
    show_full_result_count = False
    actions = ["resend_invitation", "reset_two_factor"]

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
        refused = user_fields_refused_to(editor=request.user)
        return readonly + [name for name in refused if name not in readonly]

    # Changing a user covers their password (Django's password view asks this too); the
    # rules judge what the user holds whatever their is_active says.
    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._may_manage(request, obj)

    # Django's "delete selected" asks this for each user it would delete, too.
    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._may_manage(request, obj)

    def get_deleted_objects(self, objs, request: HttpRequest):
        # "Delete selected" asks has_delete_permission per user: judge them all in two queries.
        users = [obj for obj in objs if isinstance(obj, User)]
        refusals = users_manage_refusals(editor=request.user, targets=users)
        judged = request.__dict__.setdefault("_accounts_may_manage", {})
        judged.update({user.pk: user.pk not in refusals for user in users})
        return super().get_deleted_objects(objs, request)

    def _may_manage(self, request: HttpRequest, obj: User | None) -> bool:
        if obj is None or obj.pk is None:
            return obj is None or user_may_manage(editor=request.user, target=obj)
        # A change page asks ~10 times: each user is judged once per request, on what it
        # held when the request began.
        judged = request.__dict__.setdefault("_accounts_may_manage", {})
        if obj.pk not in judged:
            judged[obj.pk] = user_may_manage(editor=request.user, target=obj)
        return judged[obj.pk]

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = ""):
        # Nobody sets another person's password (backoffice.accounts.rules).
        raise PermissionDenied(
            user_password_set_refusal(editor=request.user, target=self.get_object(request, id))
        )

    def get_form(self, request: HttpRequest, obj: User | None = None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        mixins = []
        if obj is not None:
            # SeenValuesFormMixin: a role revoked meanwhile is not granted back by a page
            # opened before (docs/architecture.md#lost-edits).
            mixins += [PasswordLockedMixin, UsernameAnyCaseFormMixin, SeenValuesFormMixin]
        if not request.user.is_superuser and "groups" in form.base_fields:
            mixins.append(GroupGrantGuardMixin)
        if not mixins:
            return form
        return type(form.__name__, (*mixins, form), {"editor": request.user})


class LockedPasswordHashWidget(ReadOnlyPasswordHashWidget):
    template_name = "accounts/widgets/password_locked.html"


HOW_TO_CHANGE_IT = (
    "Raw passwords are not stored, so nobody can see it, and nobody sets another person's "
    "password: its owner chooses a new one with “Forgotten your password or username?” on "
    "the login page (someone invited, with the invitation's link)."
)


class PasswordLockedMixin:
    """The password summary without the "Reset password" button: nobody sets another
    person's password (its page refuses everyone)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        password = self.fields.get("password")
        if password is not None:
            password.widget = LockedPasswordHashWidget()
            # Django's text ends with "no way to see the user's password" and points at the
            # button removed above: say what to do instead.
            password.help_text = HOW_TO_CHANGE_IT


class GroupGrantGuardMixin:
    """A user form for a non-superuser editor: only groups it may assign are offered, and a
    forged POST adding another group gets a clear error (backoffice.accounts.rules)."""

    editor: User

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offered = groups_assignable_by(editor=self.editor)
        if self.instance.pk:
            offered = offered | Group.objects.filter(user=self.instance)
        # The field still validates against every group, so a refused one is named in the
        # error instead of being reported as an unknown choice.
        self.fields["groups"].widget.choices = [
            (group.pk, group.name) for group in offered.distinct().order_by("name")
        ]

    def clean_groups(self):
        groups = self.cleaned_data["groups"]
        user_groups_check_assignable(editor=self.editor, target=self.instance, groups=groups)
        return groups
