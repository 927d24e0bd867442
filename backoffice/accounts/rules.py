"""Who may do what to whose account: the one module every path asks
(docs/architecture.md#staff-accounts).

Questions are (editor, target): may `editor` manage `target` (change it, set its password,
delete it, update it by import), which groups may `editor` assign, may `editor` bring back
a deleted account. A target is judged by the permissions its groups and direct grants give
it, whatever its is_active says: Django's ModelBackend answers "nothing" for an inactive
user, so judging by it let an editor deactivate a stronger account, set its password and
reactivate it. An editor is judged by what it holds now (nothing when inactive).

Today's rule: a non-superuser manages accounts holding no permission it lacks, and assigns
only groups whose every permission it holds; only superusers manage superusers, grant
superuser status or single permissions.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth.models import AbstractUser, Group, User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

# Fields of the user form only a superuser may set.
SUPERUSER_ONLY_FIELDS = ("is_superuser", "user_permissions")
MISSING_PERMISSIONS_SHOWN = 4


def user_may_manage(*, editor: AbstractUser, target: AbstractUser) -> bool:
    """Whether `editor` may change `target`, set its password, delete it or import over it."""
    return user_manage_refusal(editor=editor, target=target) is None


def user_manage_refusal(*, editor: AbstractUser, target: AbstractUser) -> str | None:
    """Why `editor` may not manage `target` (None: it may), in words for the editor."""
    return users_manage_refusals(editor=editor, targets=[target]).get(target.pk)


def users_manage_refusals(
    *, editor: AbstractUser, targets: Sequence[AbstractUser]
) -> dict[int | None, str]:
    """users_manage_refusal for many targets at once (two queries): {target pk: reason}.

    Targets are judged on their stored groups and grants; unsaved ones hold nothing yet.
    """
    if _is_superuser(editor):
        return {}
    refusals: dict[int | None, str] = {}
    held = _held_by(editor)
    permissions = permissions_held_by(user_ids=[t.pk for t in targets if t.pk is not None])
    for target in targets:
        if target.is_superuser:
            refusals[target.pk] = "This user is a superuser; only a superuser can change them."
            continue
        missing = sorted(permissions.get(target.pk, frozenset()) - held)
        if missing:
            refusals[target.pk] = (
                f"This user holds permissions you do not have ({_listed(missing)}); only "
                "someone holding them can change this user or set their password."
            )
    return refusals


def permissions_held_by(*, user_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """{user id: "app_label.codename" permissions from its groups and direct grants},
    whatever is_active says (ModelBackend.get_all_permissions is empty for inactive users)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    held: dict[int, set[str]] = {}
    direct = User.user_permissions.through.objects.filter(user_id__in=ids).values_list(
        "user_id", "permission__content_type__app_label", "permission__codename"
    )
    grouped = User.groups.through.objects.filter(user_id__in=ids).values_list(
        "user_id", "group__permissions__content_type__app_label", "group__permissions__codename"
    )
    for rows in (direct, grouped):
        for user_id, app_label, codename in rows:
            if codename is not None:  # a group without permissions
                held.setdefault(user_id, set()).add(f"{app_label}.{codename}")
    return {user_id: frozenset(permissions) for user_id, permissions in held.items()}


def user_fields_refused_to(*, editor: AbstractUser) -> tuple[str, ...]:
    """User fields `editor` may not set: superuser status and single permissions."""
    return () if _is_superuser(editor) else SUPERUSER_ONLY_FIELDS


# --- groups ------------------------------------------------------------------------------


def groups_assignable_by(*, editor: AbstractUser) -> QuerySet[Group]:
    """Groups `editor` may add anyone to: those every permission of which it holds (all
    groups for a superuser). Such a group gives nobody more than `editor` has already."""
    groups = Group.objects.order_by("name")
    if _is_superuser(editor):
        return groups
    held = _held_by(editor)
    return groups.filter(
        pk__in=[pk for pk, (_, needed) in _group_permissions(editor).items() if needed <= held]
    )


def user_groups_check_assignable(
    *, editor: AbstractUser, target: AbstractUser, groups: Iterable[Group]
) -> None:
    """Refuse to add `target` (`editor` included) to a group holding more than `editor` holds.

    Groups `target` is in already may stay: keeping or removing them escalates nobody.
    Raises ValidationError naming each refused group and the permissions `editor` lacks.
    """
    current = set(target.groups.values_list("pk", flat=True)) if target.pk else set()
    refusals = group_refusals(
        editor=editor, group_ids=[group.pk for group in groups if group.pk not in current]
    )
    if refusals:
        raise ValidationError(
            [
                ValidationError(
                    'You cannot add anyone to the group "%(group)s": it holds permissions you '
                    "do not have (%(missing)s).",
                    code="group_not_assignable",
                    params={"group": name, "missing": missing},
                )
                for name, missing in refusals
            ]
        )


def group_refusals(*, editor: AbstractUser, group_ids: Iterable[int]) -> list[tuple[str, str]]:
    """(group name, the permissions `editor` lacks, listed) for each of these groups it may
    not assign, by name; unknown ids are left out (a deleted group grants nothing)."""
    if _is_superuser(editor):
        return []
    held = _held_by(editor)
    groups = _group_permissions(editor)
    refusals = []
    for pk in set(group_ids) & set(groups):
        name, needed = groups[pk]
        if missing := sorted(needed - held):
            refusals.append((name, _listed(missing)))
    return sorted(refusals)


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
        return " ".join(
            f'You cannot add anyone to the group "{name}": it holds permissions you do not '
            f"have ({missing})."
            for name, missing in refusals
        )
    return None


def _is_superuser(editor: AbstractUser) -> bool:
    # As Django's has_perm: superuser status counts only on an active account.
    return editor.is_active and editor.is_superuser


def _held_by(editor: AbstractUser) -> set[str]:
    # ModelBackend's cached set: what the editor may do now (nothing when inactive).
    return editor.get_all_permissions()


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


def _listed(permissions: Sequence[str]) -> str:
    shown = ", ".join(permissions[:MISSING_PERMISSIONS_SHOWN])
    more = len(permissions) - MISSING_PERMISSIONS_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown
