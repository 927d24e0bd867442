"""Invitations instead of passwords: a new staff account gets a one-time "choose your
password" link by email, valid for BACKOFFICE_INVITATION_HOURS
(docs/architecture.md#the-staff-lifecycle).

An invitation is pending while the account has no usable password and has never logged in.
The link is Django's password-reset token under another salt: it stops working once a
password is set (the token covers the password hash), when the account's roles, single
permissions or superuser status change, and after its hours.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.http import HttpRequest

from .emails import account_email_send
from .events import Kind, account_event_record
from .password_reset import PasswordResetConfirmView, hours_text, link_context


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset token under its own salt: a reset link is no invitation, nor the other
    way round. Both live PASSWORD_RESET_TIMEOUT seconds, which the settings derive from
    BACKOFFICE_INVITATION_HOURS."""

    key_salt = "backoffice.accounts.invitations.InvitationTokenGenerator"

    def _make_hash_value(self, user: AbstractUser, timestamp: int) -> str:
        # The link also covers what the account holds: an invitation sent by a User admin
        # (to an address they chose) stops when a superuser later raises the account
        # (superuser status, a role, single permissions); Resend invitation sends a new one.
        groups = sorted(user.groups.values_list("pk", flat=True)) if user.pk else []
        grants = sorted(user.user_permissions.values_list("pk", flat=True)) if user.pk else []
        return f"{super()._make_hash_value(user, timestamp)}|{user.is_superuser}|{groups}|{grants}"


invitation_token_generator = InvitationTokenGenerator()


def invitation_pending(user: AbstractUser) -> bool:
    return not user.has_usable_password() and user.last_login is None


def invitation_send(
    *, request: HttpRequest, user: AbstractUser, invited_by: AbstractUser, again: bool = False
) -> None:
    """Email `user` its link (after the transaction commits) and record the invitation."""
    context = link_context(
        request=request,
        user=user,
        url_name="invitation_accept",
        valid_for=hours_text(settings.PASSWORD_RESET_TIMEOUT / 3600),
        token_generator=invitation_token_generator,
    )
    context["invited_by"] = invited_by.get_full_name() or invited_by.get_username()
    account_email_send(to=user.email, template="invitation", context=context)
    account_event_record(
        kind=Kind.INVITATION_RESENT if again else Kind.INVITED,
        actor=invited_by,
        target=user,
        detail=f"link sent to {user.email}",
    )


def address_change_notify(
    *, user: AbstractUser, old_address: str, changed_by: AbstractUser | None
) -> None:
    """Tell the old address that the account's address changed, and record it."""
    by = (changed_by.get_full_name() or changed_by.get_username()) if changed_by else "import"
    if old_address:
        account_email_send(
            to=old_address,
            template="address_changed",
            context={
                "user": user,
                "old_address": old_address,
                "new_address": user.email or "(none)",
                "changed_by": by,
            },
        )
    account_event_record(
        kind=Kind.ADDRESS_CHANGED,
        actor=changed_by,
        target=user,
        detail=f"{old_address or '(none)'} -> {user.email or '(none)'}",
    )


class InvitationAcceptView(PasswordResetConfirmView):
    """Choose your password: the reset page's rules (active users only, 400 on a bad link)
    with the invitation's own tokens (jazzmin's registration/password_reset_confirm.html)."""

    token_generator = invitation_token_generator
    extra_context = {"title": "Choose your password"}
