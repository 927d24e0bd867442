"""One admin log entry per operation (Recent actions), not one per row it touched; the
dashboard's Recent actions card reads them back.

An import of 100k rows, a restore or an acknowledge is one thing a person did: the log
says so once, with its totals (docs/architecture.md#recent-actions).
"""

from dataclasses import dataclass

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import timezone

from .moments import moment_ago, moment_display
from .viewable import viewable_content_types

__all__ = ["ADDITION", "CHANGE", "RecentAction", "admin_log_entry", "admin_log_recent"]


def admin_log_entry(
    *,
    user,
    model: type[Model],
    action_flag: int,
    message: str,
    obj: Model | None = None,
    object_repr: str = "",
) -> LogEntry | None:
    """Log one operation on `obj` (or on `model` as a whole) by `user`; None without a user
    (a command line job: no person to show it to)."""
    if user is None or not getattr(user, "pk", None):
        return None
    return LogEntry.objects.create(
        user_id=user.pk,
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        object_id=str(obj.pk) if obj is not None else None,
        object_repr=(object_repr or str(obj))[:200],
        action_flag=action_flag,
        change_message=message,
    )


# --- the dashboard's Recent actions ---------------------------------------------------------

RECENT_ACTIONS = 8
VERBS = {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}


@dataclass(frozen=True)
class RecentAction:
    """One line of the dashboard's Recent actions: who did what to which object, when."""

    entry: LogEntry
    username: str  # "" once the account is deleted (entries go with it: never in practice)
    verb: str  # "added", "changed", "deleted"
    model_name: str  # "product"
    url: str  # the object's admin page; "" for a deletion or an operation on a whole model
    details: str  # the change message ("Changed Stock.", "Imported x.csv: 3 new products.")
    ago: str  # "just now", "2 hours ago"
    at_title: str  # in the shop's date format


def admin_log_recent(*, user, limit: int = RECENT_ACTIONS) -> list[RecentAction]:
    """The latest entries of everyone on models `user` may view, newest first, in one query.

    Newest by primary key (entries are written as things happen): a walk down its index
    that stops after `limit` rows, whatever the size of the log. The models come from the
    user's permissions, which the admin's app list has read (and cached) already.
    """
    entries = LogEntry.objects.select_related("user", "content_type").order_by("-pk")
    if not user.is_superuser:
        entries = entries.filter(content_type__in=viewable_content_types(user=user))
    now = timezone.now()
    recent = []
    for entry in entries[:limit]:
        message = entry.get_change_message()
        on_object = entry.object_id is not None and not entry.is_deletion()
        recent.append(
            RecentAction(
                entry=entry,
                username=entry.user.get_username() if entry.user_id else "",
                verb=VERBS.get(entry.action_flag, "changed"),
                model_name=str(entry.content_type.name) if entry.content_type_id else "",
                url=(entry.get_admin_url() or "") if on_object else "",
                details="" if message in ("Added.", "Deleted.", "No fields changed.") else message,
                ago=moment_ago(entry.action_time, now=now),
                at_title=moment_display(entry.action_time),
            )
        )
    return recent
