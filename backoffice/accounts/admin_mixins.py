"""The users' admin parts for the staff lifecycle: invitations instead of passwords, the
record of role changes, two-factor columns and actions; a mixin the UserAdmin takes
(docs/architecture.md#the-staff-lifecycle)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.forms import UsernameField
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import two_factor
from .events import Kind, account_event_record, user_changes_record
from .invitations import address_change_notify, invitation_pending, invitation_send
from .usernames import UsernameAnyCaseFormMixin


class StaffInvitationForm(UsernameAnyCaseFormMixin, forms.ModelForm):
    """Adding staff: no password (the person chooses it from the invitation email)."""

    class Meta:
        model = User
        fields = ["username", "email", "first_name", "last_name", "groups"]
        # As Django's user forms: the username in NFKC form before clean_username checks it
        # (the model's clean() would normalize it after, unchecked).
        field_classes = {"username": UsernameField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = "The invitation to choose a password goes here."


def _account_state(user_id: int | None) -> dict:
    if user_id is None:
        return {"groups": set(), "superuser": False, "permissions": set(), "email": ""}
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return _account_state(None)
    return {
        "groups": set(user.groups.values_list("name", flat=True)),
        "superuser": user.is_superuser,
        "permissions": {
            f"{app_label}.{codename}"
            for app_label, codename in user.user_permissions.values_list(
                "content_type__app_label", "codename"
            )
        },
        "email": user.email,
    }


class StaffAccountsAdminMixin:
    add_form = StaffInvitationForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "first_name", "last_name", "groups"),
                "description": "The new user gets an email with a link to choose a password.",
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                has_two_factor=Exists(
                    TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
                )
            )
        )

    # --- saving: invitations and the record ----------------------------------------------

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        request._account_before = _account_state(obj.pk if change else None)
        if not change:
            obj.set_unusable_password()
            obj.is_staff = True
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user, before = form.instance, request._account_before
        after = _account_state(user.pk)
        user_changes_record(
            actor=request.user,
            target=user,
            groups_before=before["groups"],
            groups_after=after["groups"],
            superuser_before=before["superuser"],
            permissions_before=before["permissions"],
            permissions_after=after["permissions"],
        )
        if not change:
            invitation_send(request=request, user=user, invited_by=request.user)
            self.message_user(
                request,
                f"An invitation to choose a password was sent to {user.email}.",
                messages.SUCCESS,
            )
        elif before["email"] != after["email"]:
            address_change_notify(user=user, old_address=before["email"], changed_by=request.user)

    # --- columns --------------------------------------------------------------------------

    @admin.display(description="invitation")
    def invitation(self, user: User) -> str:
        return "not accepted" if invitation_pending(user) else ""

    @admin.display(description="two-factor", boolean=True, ordering="has_two_factor")
    def two_factor(self, user: User) -> bool:
        return bool(getattr(user, "has_two_factor", False))

    # --- actions --------------------------------------------------------------------------

    @admin.action(description="Resend invitation", permissions=["change"])
    def resend_invitation(self, request: HttpRequest, queryset: QuerySet) -> None:
        sent, skipped = [], []
        for user in queryset.order_by("username"):
            if (
                invitation_pending(user)
                and user.is_active
                and user.email
                and self.has_change_permission(request, user)
            ):
                invitation_send(request=request, user=user, invited_by=request.user, again=True)
                sent.append(user.username)
            else:
                skipped.append(user.username)
        if sent:
            self.message_user(
                request, f"Invitation sent again to {', '.join(sent)}.", messages.SUCCESS
            )
        if skipped:
            self.message_user(
                request,
                f"Not sent to {', '.join(skipped)}: only accounts you may change that are "
                "active, have an email address and have not accepted their invitation yet.",
                messages.WARNING,
            )

    def has_reset_two_factor_permission(self, request: HttpRequest) -> bool:
        # Removing someone's second factor weakens their login: superusers only.
        return request.user.is_superuser

    @admin.action(
        description="Reset two-factor login (they enrol again)", permissions=["reset_two_factor"]
    )
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet) -> None:
        users = list(queryset)
        for user in users:
            two_factor.two_factor_reset(user=user)
            account_event_record(kind=Kind.TWO_FACTOR_RESET, actor=request.user, target=user)
        self.message_user(
            request,
            f"Two-factor login reset for {len(users)} user{'s' if len(users) != 1 else ''}: "
            "they set up an authenticator app again at their next login.",
            messages.SUCCESS,
        )
