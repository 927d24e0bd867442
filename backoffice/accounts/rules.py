"""Who may do what to whose account: the one module every path asks
(docs/architecture.md#staff-accounts).

Questions are (editor, target): may `editor` manage `target` (change it, change its address,
deactivate or reactivate it, invite it, assign it roles, delete it, update it by import),
which groups may `editor` assign, may `editor` bring back a deleted account, may anyone set
another person's password. A target is judged by its stored groups, direct grants and
superuser status, whatever its is_active says; an editor by what it holds now.

The rule: the roles table (backoffice.accounts.roles.ROLE_ASSIGNS) says which groups each
role may assign (User admins: Inventory managers, Editors, Viewers). A non-superuser
manages only accounts in its scope: every group of the account one it may assign, no
single permissions, no superuser status, and never its own account (so never its own roles,
other User admins or superusers). Only superusers assign User admins, superuser status or
single permissions. Nobody sets or learns another person's password: invitations and
resets go to the person's own address, and an address someone else changed receives no
reset link for BACKOFFICE_ADDRESS_CHANGE_RESET_HOLD_HOURS (re-address, then reset, would
otherwise hand the account to whoever changed the address).
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group, User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from .models import AccountEvent
from .roles import ROLE_ASSIGNS

# Fields of the user form only a superuser may set.
SUPERUSER_ONLY_FIELDS = ("is_superuser", "user_permissions")
# Fields the system writes and nobody sets in the form: an account that has logged in is
# never again an invitation (no usable password and no last login), whose link may go to
# whatever address a User admin gives it.
SYSTEM_FIELDS = ("last_login",)


def user_may_manage(*, editor: AbstractUser, target: AbstractUser) -> bool:
    """Whether `editor` may change `target`, set its password, delete it or import over it."""
    return user_manage_refusal(editor=editor, target=target) is None


def user_manage_refusal(*, editor: AbstractUser, target: AbstractUser) -> str | None:
    """Why `editor` may not manage `target` (None: it may), in words for the editor."""
    return users_manage_refusals(editor=editor, targets=[target]).get(target.pk)


def users_manage_refusals(
    *, editor: AbstractUser, targets: Sequence[AbstractUser]
) -> dict[int | None, str]:
    """users_manage_refusal for many targets at once (three queries): {target pk: reason}.

    Targets are judged on their stored groups and grants; unsaved ones hold nothing yet.
    """
    if _is_superuser(editor):
        return {}
    refusals: dict[int | None, str] = {}
    assignable = set(_assignable_group_ids(editor))
    ids = sorted({t.pk for t in targets if t.pk is not None})
    groups: dict[int, set[int]] = {}
    for user_id, group_id in User.groups.through.objects.filter(user_id__in=ids).values_list(
        "user_id", "group_id"
    ):
        groups.setdefault(user_id, set()).add(group_id)
    granted = set(
        User.user_permissions.through.objects.filter(user_id__in=ids).values_list(
            "user_id", flat=True
        )
    )
    names = {pk: name for pk, (name, _) in _group_permissions(editor).items()}
    for target in targets:
        if target.is_superuser:
            refusals[target.pk] = "This user is a superuser; only a superuser can change them."
        elif target.pk is not None and target.pk == editor.pk:
            refusals[target.pk] = (
                "You cannot change your own account here: a superuser changes your roles; "
                "your password is changed from the user menu."
            )
        elif target.pk in granted:
            refusals[target.pk] = (
                "This user has single permissions; only a superuser can change them."
            )
        elif outside := sorted(
            names.get(pk, "?") for pk in groups.get(target.pk, set()) - assignable
        ):
            refusals[target.pk] = (
                f"This user is in {_quoted(outside)}, which your role does not assign; only "
                "a superuser can change them."
            )
    return refusals


def user_password_set_refusal(*, editor: AbstractUser, target: AbstractUser) -> str:
    """Why `editor` may not set `target`'s password: nobody sets another person's password.

    People choose their own: from an invitation, a reset link (to their own address) or the
    user menu's password change. Returned for every editor and target, superusers included.
    """
    return (
        "Nobody sets another person's password: send them an invitation (Resend invitation "
        "on the user list) or let them use 'Forgotten your password?' on the login page."
    )


def password_reset_held(*, target: AbstractUser) -> bool:
    """No reset link for this account now: its address was changed by someone else within
    the hold (an invitee, who has no password yet and never logged in, is an invitation's
    business, not held; a restored account has no usable password but is no invitee)."""
    if not target.has_usable_password() and target.last_login is None:
        return False
    since = timezone.now() - timedelta(hours=settings.BACKOFFICE_ADDRESS_CHANGE_RESET_HOLD_HOURS)
    # By the target's ID, which outlives a delete and restore of the account.
    changes = AccountEvent.objects.filter(
        kind=AccountEvent.Kind.ADDRESS_CHANGED, target_pk=target.pk, created_at__gte=since
    )
    return changes.exclude(actor=target).exists()


def user_fields_refused_to(*, editor: AbstractUser) -> tuple[str, ...]:
    """User fields `editor` may not set: superuser status and single permissions (a
    superuser sets them), the last login (nobody does)."""
    return SYSTEM_FIELDS if _is_superuser(editor) else SUPERUSER_ONLY_FIELDS + SYSTEM_FIELDS


# --- groups ------------------------------------------------------------------------------


def groups_assignable_by(*, editor: AbstractUser) -> QuerySet[Group]:
    """Groups `editor` may add anyone to or take anyone out of: those the roles table lets
    its roles assign (all groups for a superuser)."""
    groups = Group.objects.order_by("name")
    if _is_superuser(editor):
        return groups
    return groups.filter(pk__in=_assignable_group_ids(editor))


def user_groups_check_assignable(
    *, editor: AbstractUser, target: AbstractUser, groups: Iterable[Group]
) -> None:
    """Refuse to put `target` (`editor` included) into a group `editor` may not assign, or
    to take it out of one. Raises ValidationError naming each refused group."""
    wanted = {group.pk for group in groups}
    current = set(target.groups.values_list("pk", flat=True)) if target.pk else set()
    refusals = group_refusals(editor=editor, group_ids=wanted ^ current)
    if refusals:
        raise ValidationError(
            [
                ValidationError("%(reason)s", code="group_not_assignable", params={"reason": r})
                for _, r in refusals
            ]
        )


def group_refusals(*, editor: AbstractUser, group_ids: Iterable[int]) -> list[tuple[str, str]]:
    """(group name, why `editor` may not assign it) for each of these groups it may not
    assign, by name; unknown ids are left out (a deleted group grants nothing)."""
    if _is_superuser(editor):
        return []
    assignable = set(_assignable_group_ids(editor))
    groups = _group_permissions(editor)
    return sorted(
        (
            groups[pk][0],
            f'You cannot add anyone to the group "{groups[pk][0]}" or remove them from it: '
            "your role does not assign it.",
        )
        for pk in set(group_ids) & set(groups)
        if pk not in assignable
    )


# --- restoring a deleted account -----------------------------------------------------------


def user_restore_refusal(*, editor: AbstractUser, grants: Mapping[str, Any]) -> str | None:
    """Why `editor` may not bring back a deleted account (None: it may).

    `grants` are the account's stored "is_superuser", "groups" (pks) and "user_permissions"
    (pks): restoring grants them, so each must be one `editor` may grant.
    """
    if _is_superuser(editor):
        return None
    if grants.get("is_superuser"):
        return "it was a superuser; only a superuser can restore it."
    if grants.get("user_permissions"):
        return "it had individual permissions; only a superuser can restore it."
    refusals = group_refusals(editor=editor, group_ids=grants.get("groups") or [])
    if refusals:
        return " ".join(reason for _, reason in refusals)
    return None


def _is_superuser(editor: AbstractUser) -> bool:
    # As Django's has_perm: superuser status counts only on an active account.
    return editor.is_active and editor.is_superuser


def _assignable_group_ids(editor: AbstractUser) -> list[int]:
    """Pks of the groups the roles table lets `editor`'s role groups assign (none for an
    inactive editor, who may do nothing); kept on `editor` for its request, like
    _group_permissions."""
    if not editor.is_active or editor.pk is None:
        return []
    cached = getattr(editor, "_accounts_assignable_group_ids", None)
    if cached is None:
        own = set(editor.groups.values_list("name", flat=True))
        names = {name for role in own for name in ROLE_ASSIGNS.get(role, ())}
        cached = [pk for pk, (name, _) in _group_permissions(editor).items() if name in names]
        editor._accounts_assignable_group_ids = cached
    return cached


def _quoted(names: Sequence[str]) -> str:
    quoted = [f'"{name}"' for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _group_permissions(editor: AbstractUser) -> dict[int, tuple[str, frozenset[str]]]:
    """{group pk: (name, its permissions)} in one query, kept on `editor` for its request as
    ModelBackend keeps its permissions (a list of records asks once, not once per row)."""
    cached = getattr(editor, "_accounts_group_permissions", None)
    if cached is None:
        rows = Group.objects.values_list(
            "pk", "name", "permissions__content_type__app_label", "permissions__codename"
        )
        groups: dict[int, tuple[str, set[str]]] = {}
        for pk, name, app_label, codename in rows:
            needed = groups.setdefault(pk, (name, set()))[1]
            if codename is not None:  # a group without permissions
                needed.add(f"{app_label}.{codename}")
        cached = {pk: (name, frozenset(needed)) for pk, (name, needed) in groups.items()}
        editor._accounts_group_permissions = cached
    return cached
