"""The rules of staff management: which groups an editor may grant, whom it may set a
password for (docs/architecture.md#where-each-rule-lives)."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractUser, Group, Permission
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet


def groups_grantable_by(*, user: AbstractUser) -> QuerySet[Group]:
    """Groups every permission of which `user` holds (all groups for a superuser).

    Adding someone to such a group gives them nothing `user` does not have already, so it
    cannot be used to escalate privileges.
    """
    groups = Group.objects.order_by("name")
    if user.is_superuser:
        return groups
    held = Permission.objects.filter(Q(user=user) | Q(group__user=user)).values("pk")
    return groups.exclude(permissions__in=Permission.objects.exclude(pk__in=held))


def user_permissions_beyond(*, user: AbstractUser, editor: AbstractUser) -> set[str]:
    """The permissions ("app_label.codename") `user` holds and `editor` does not.

    Setting the password of such a user would let `editor` act with those permissions.
    """
    if editor.is_superuser:
        return set()
    return user.get_all_permissions() - editor.get_all_permissions()


MISSING_PERMISSIONS_SHOWN = 4


def user_groups_check_grantable(
    *, editor: AbstractUser, user: AbstractUser, groups: Iterable[Group]
) -> None:
    """Refuse to add `user` (`editor` included) to a group holding more than `editor` holds.

    Groups `user` is in already may stay: keeping or removing them escalates nobody.
    Raises ValidationError naming each refused group and permissions `editor` lacks.
    """
    if editor.is_superuser:
        return
    current = set(user.groups.values_list("pk", flat=True)) if user.pk else set()
    added = [group for group in groups if group.pk not in current]
    if not added:
        return
    grantable = set(groups_grantable_by(user=editor).values_list("pk", flat=True))
    held = editor.get_all_permissions()
    errors = []
    for group in sorted(added, key=lambda g: g.name):
        if group.pk in grantable:
            continue
        missing = sorted(
            f"{app_label}.{codename}"
            for app_label, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
            if f"{app_label}.{codename}" not in held
        )
        shown = ", ".join(missing[:MISSING_PERMISSIONS_SHOWN])
        more = len(missing) - MISSING_PERMISSIONS_SHOWN
        if more > 0:
            shown += f" and {more} more"
        errors.append(
            ValidationError(
                'You cannot add anyone to the group "%(group)s": it holds permissions you do '
                "not have (%(missing)s).",
                code="group_not_grantable",
                params={"group": group.name, "missing": shown},
            )
        )
    if errors:
        raise ValidationError(errors)
