"""The record of account changes and invitations (docs/architecture.md#the-staff-lifecycle)."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractUser

from .models import AccountEvent

Kind = AccountEvent.Kind


def account_event_record(
    *, kind: str, actor: AbstractUser | None, target: AbstractUser, detail: str = ""
) -> AccountEvent:
    actor = actor if actor is not None and actor.is_authenticated else None
    return AccountEvent.objects.create(
        kind=kind,
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        target=target,
        target_pk=target.pk,
        target_username=target.get_username(),
        detail=detail,
    )


def _names(items) -> str:
    return ", ".join(sorted(items)) or "none"


def _groups_detail(before: set[str], after: set[str]) -> str:
    added, removed = after - before, before - after
    parts = [
        f"added {_names(added)}" if added else "",
        f"removed {_names(removed)}" if removed else "",
    ]
    return "; ".join(part for part in parts if part)


def role_changes_record_many(
    *,
    actor: AbstractUser | None,
    changes: Iterable[tuple[AbstractUser, frozenset[str], frozenset[str]]],
) -> None:
    """Record (user, groups before, groups after) for many users at once (an import)."""
    actor = actor if actor is not None and actor.is_authenticated else None
    AccountEvent.objects.bulk_create(
        [
            AccountEvent(
                kind=Kind.ROLES_CHANGED,
                actor=actor,
                actor_username=actor.get_username() if actor else "",
                target=user,
                target_pk=user.pk,
                target_username=user.get_username(),
                detail=_groups_detail(set(before), set(after)),
            )
            for user, before, after in changes
            if set(before) != set(after)
        ],
        batch_size=1000,
    )


def user_changes_record(
    *,
    actor: AbstractUser | None,
    target: AbstractUser,
    groups_before: set[str],
    groups_after: set[str],
    superuser_before: bool,
    permissions_before: set[str],
    permissions_after: set[str],
) -> None:
    """Record what changed in `target`'s roles, superuser status and single permissions."""
    if groups_before != groups_after:
        account_event_record(
            kind=Kind.ROLES_CHANGED,
            actor=actor,
            target=target,
            detail=_groups_detail(groups_before, groups_after),
        )
    if superuser_before != target.is_superuser:
        account_event_record(
            kind=Kind.SUPERUSER_CHANGED,
            actor=actor,
            target=target,
            detail="made a superuser" if target.is_superuser else "superuser status removed",
        )
    if permissions_before != permissions_after:
        added = permissions_after - permissions_before
        removed = permissions_before - permissions_after
        account_event_record(
            kind=Kind.PERMISSIONS_CHANGED,
            actor=actor,
            target=target,
            detail=f"added {_names(added)}; removed {_names(removed)}",
        )


def account_restore_record(*, actor: AbstractUser | None, target: AbstractUser) -> None:
    """A deleted account brought back from its deletion record regains its roles."""
    groups = set(target.groups.values_list("name", flat=True))
    detail = f"restored from its deletion record with {_names(groups)}"
    if target.is_superuser:
        detail += "; superuser"
    if target.user_permissions.exists():
        detail += "; single permissions"
    account_event_record(kind=Kind.ROLES_CHANGED, actor=actor, target=target, detail=detail)
