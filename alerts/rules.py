"""Who may see and who may restore which deletion record: the one check the record's page,
the list action, the dashboard and the restore service ask
(docs/architecture.md#restoring-a-deletion-record).

A record is a copy of the deleted object (an account's address, names and roles; an
article's body): each user sees the records of the models they may view.

Restoring needs the add permission on the deleted object's model; restoring an account also
grants its superuser status, groups and single permissions, so backoffice.accounts.rules
decides whether the user may grant them.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, QuerySet
from django.utils.text import capfirst

from backoffice.accounts.rules import user_restore_refusal
from backoffice.kit.viewable import viewable_content_types, viewable_content_types_q

from .models import DeletionRecord

# What a deleted account's snapshot grants, read without loading the whole snapshot.
ACCOUNT_GRANTS = ("is_superuser", "groups", "user_permissions")


def deletion_records_visible_to(
    *, user: AbstractBaseUser, records: QuerySet[DeletionRecord]
) -> QuerySet[DeletionRecord]:
    """The records of models `user` may view (all for a superuser), by a join on the content
    type: no query beyond the permission cache."""
    if user.is_active and user.is_superuser:
        return records
    return records.filter(viewable_content_types_q(user=user))


def deletion_record_types_visible_to(*, user: AbstractBaseUser) -> list[ContentType] | None:
    """The types of deleted objects whose records `user` sees, by the same rule, for the
    list's filters (their choices are read from the whole table's indexes): None for every
    type (a superuser). No query beyond the permission and content type caches."""
    if user.is_active and user.is_superuser:
        return None
    return viewable_content_types(user=user)


def deletion_records_with_grants(records: QuerySet[DeletionRecord]) -> QuerySet[DeletionRecord]:
    """These records with the grants of a deleted account annotated, so a list that defers
    the snapshot (an article's holds its whole body) can ask deletion_record_may_restore
    without a query per row."""
    return records.annotate(
        **{f"grants_{key}": F(f"snapshot__fields__{key}") for key in ACCOUNT_GRANTS}
    )


def deletion_record_may_restore(*, user: AbstractBaseUser, record: DeletionRecord) -> bool:
    """Whether to offer `user` the restore of `record`: not restored yet and no refusal."""
    if record.is_restored:
        return False
    return deletion_record_restore_refusal(user=user, record=record) is None


def deletion_record_restore_refusal(
    *, user: AbstractBaseUser, record: DeletionRecord
) -> str | None:
    """Why `user` may not restore `record`, as a message naming it (None: it may).

    Whether it can be restored now (restored already, its ID or a unique value taken) is
    the restore service's question, asked under a lock.
    """
    model = record.content_type.model_class()
    if model is None:
        return f"“{record.object_repr}” cannot be restored: its model no longer exists."
    opts = model._meta
    name = f"“{record.object_repr}”"
    # has_perm reads the permission cache filled once per request: no query per record.
    if not user.has_perm(f"{opts.app_label}.add_{opts.model_name}"):
        return f"{name} was not restored: you may not add {opts.verbose_name_plural}."
    if issubclass(model, get_user_model()):
        reason = user_restore_refusal(editor=user, grants=_account_grants(record))
        if reason:
            return f"{capfirst(opts.verbose_name)} {name} cannot be restored: {reason}"
    return None


def _account_grants(record: DeletionRecord) -> dict:
    if hasattr(record, f"grants_{ACCOUNT_GRANTS[0]}"):
        return {key: getattr(record, f"grants_{key}") for key in ACCOUNT_GRANTS}
    fields = record.snapshot.get("fields", {})
    return {key: fields.get(key) for key in ACCOUNT_GRANTS}
