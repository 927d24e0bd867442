"""Writes for staff management: the rules a change to a user's groups must pass."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError

from .selectors import groups_grantable_by

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
