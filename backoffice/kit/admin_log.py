"""One admin log entry per operation (Recent actions), not one per row it touched.

An import of 100k rows, a restore or an acknowledge is one thing a person did: the log
says so once, with its totals (docs/architecture.md#recent-actions).
"""

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

__all__ = ["ADDITION", "CHANGE", "admin_log_entry"]


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
