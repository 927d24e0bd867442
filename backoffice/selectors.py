"""Reads for staff management: which role groups a user may hand out."""

from django.contrib.auth.models import AbstractUser, Group, Permission
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
