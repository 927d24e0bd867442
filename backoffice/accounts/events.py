"""The record of account changes and invitations (docs/architecture.md#the-staff-lifecycle)."""

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
        target_username=target.get_username(),
        detail=detail,
    )


def _names(items) -> str:
    return ", ".join(sorted(items)) or "none"


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
        added, removed = groups_after - groups_before, groups_before - groups_after
        detail = "; ".join(
            part
            for part in (
                f"added {_names(added)}" if added else "",
                f"removed {_names(removed)}" if removed else "",
            )
            if part
        )
        account_event_record(kind=Kind.ROLES_CHANGED, actor=actor, target=target, detail=detail)
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
