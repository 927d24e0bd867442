"""Deletion records: the snapshot written in the deleting transaction, and restore."""

import json
import logging
from collections.abc import Sequence

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import capfirst

from backoffice.accounts.events import account_restore_record
from backoffice.accounts.usernames import username_taken_by
from catalog.ledger import stock_movements_relink

from . import services  # the alert rules, looked up at call time (services re-exports us)
from .models import DeletionRecord
from .rules import deletion_record_restore_refusal

logger = logging.getLogger(__name__)

# Fields a deletion record never keeps (a user's password hash).
SNAPSHOT_SECRET_FIELDS = ("password",)


def deletion_record_create(
    *, instance: models.Model, actor: AbstractBaseUser | None
) -> DeletionRecord:
    """Snapshot a row about to be deleted; call it inside the deleting transaction."""
    snapshot = serializers.serialize("python", [instance])[0]
    # A password hash is never kept: a record's readers must not learn it (docs/security.md).
    for name in SNAPSHOT_SECRET_FIELDS:
        snapshot["fields"].pop(name, None)
    return DeletionRecord.objects.create(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_pk=str(instance.pk),
        object_repr=str(instance)[:200],
        # JSON-safe now (dates, decimals as text), exactly as it will read back.
        snapshot=json.loads(json.dumps(snapshot, cls=DjangoJSONEncoder)),
        deleted_by=actor,
        deleted_by_username=actor.get_username() if actor else "",
    )


def deletion_record_restore(*, record: DeletionRecord, user: AbstractBaseUser) -> models.Model:
    """Bring a deleted object back with its pk, fields and many-to-many links; an account
    comes back with an unusable password (its hash was never kept).

    Raises PermissionDenied when alerts.rules refuses `user` this record, and
    ValidationError (changing nothing) when it was restored already or its pk or a unique
    value is taken.
    """
    model = record.content_type.model_class()
    if model is None:
        raise ValidationError(f"The model {record.content_type} no longer exists.")
    opts = model._meta
    with transaction.atomic():
        record = DeletionRecord.objects.select_for_update().get(pk=record.pk)
        refusal = deletion_record_restore_refusal(user=user, record=record)
        if refusal:
            raise PermissionDenied(refusal)
        if record.is_restored:
            raise ValidationError(
                f"{capfirst(opts.verbose_name)} “{record.object_repr}” was restored already."
            )
        deserialized = next(
            serializers.deserialize("python", [record.snapshot], ignorenonexistent=True)
        )
        instance = deserialized.object
        if isinstance(instance, AbstractBaseUser):
            instance.set_unusable_password()
        _check_restorable(instance, record=record)
        _drop_links_to_deleted_rows(deserialized)
        try:
            # A savepoint: losing a race for the pk or a unique value leaves nothing behind.
            with transaction.atomic():
                deserialized.save()
        except IntegrityError as error:
            # The database's text names constraints and values; the page gets a fixed
            # message, the log the details (docs/security.md#concurrency).
            logger.warning("Restore of deletion record %s lost a race: %s", record.pk, error)
            raise ValidationError(
                f"{capfirst(opts.verbose_name)} “{record.object_repr}” could not be restored: "
                "its ID or a unique value was taken while it was being restored. Open the "
                "record again to see what holds it."
            ) from error
        record.restored_at = timezone.now()
        record.restored_by = user
        record.save(update_fields=["restored_at", "restored_by"])
        if opts.label_lower == "catalog.product":
            # Restoring saves a raw row, which the post_save receivers skip on purpose: the
            # product gets its earlier stock movements back and a `restore` one, then alerts.
            stock_movements_relink(product=instance, actor=user)
            services.stock_alerts_relink(product_id=instance.pk)
            services.stock_alerts_sync_many(product_ids=[instance.pk])
        if isinstance(instance, AbstractBaseUser):
            # An account coming back gets its roles back: a role change, recorded.
            account_restore_record(actor=user, target=instance)
    return instance


def _check_restorable(instance: models.Model, *, record: DeletionRecord) -> None:
    opts = instance._meta
    name = f"{capfirst(opts.verbose_name)} “{record.object_repr}”"
    existing = opts.model._default_manager.filter(pk=instance.pk).first()
    if existing is not None:
        raise ValidationError(
            f"{name} cannot be restored: ID {instance.pk} is taken by “{existing}”."
        )
    if isinstance(instance, AbstractBaseUser):
        # One account per username regardless of case (as Django's add form and the user
        # import): "Root" must not come back beside root.
        # Compared by LOWER, as the index is (accounts/0003): __iexact is UPPER on
        # PostgreSQL, which folds "İvan"/"ivan" or "ẞob"/"ßob" apart where LOWER does not.
        taken = username_taken_by(instance.get_username(), other_than=instance.pk)
        if taken is not None:
            raise ValidationError(
                f"{name} cannot be restored: the username is taken by “{taken}” (usernames "
                "are one regardless of case)."
            )
    try:
        instance.validate_unique()
        # Unique constraints too: a product's SKU is unique regardless of case.
        instance.validate_constraints()
    except ValidationError as error:
        taken = "; ".join(
            message for messages in error.message_dict.values() for message in messages
        )
        raise ValidationError(f"{name} cannot be restored: {taken}") from error


def _drop_links_to_deleted_rows(deserialized: serializers.base.DeserializedObject) -> None:
    """Foreign keys to rows deleted since become empty (as SET_NULL would have made them);
    many-to-many links to them are left out. A required reference that is gone is a conflict.
    """
    instance = deserialized.object
    for field in instance._meta.concrete_fields:
        target_id = getattr(instance, field.attname)
        if not field.is_relation or target_id is None:
            continue
        target = field.related_model._default_manager
        if not target.filter(**{field.target_field.attname: target_id}).exists():
            if not field.null:
                raise ValidationError(
                    f"Cannot restore: its {field.verbose_name} (ID {target_id}) no longer exists."
                )
            setattr(instance, field.attname, None)
    for name, pks in (deserialized.m2m_data or {}).items():
        related = instance._meta.get_field(name).related_model._default_manager
        deserialized.m2m_data[name] = _existing_pks(related, pks)


def _existing_pks(manager, pks: Sequence) -> list:
    return list(manager.filter(pk__in=list(pks)).values_list("pk", flat=True))
