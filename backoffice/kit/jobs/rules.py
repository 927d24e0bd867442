"""Who sees which job (docs/architecture.md#background-jobs): everyone their own; who may
import a model (add and change on it) every import of that model, so Inventory managers see
every product import and Editors every article import; superusers all. Export jobs are
their author's only. Cancelling follows seeing. A remembered column mapping is its owner's
only, superusers included (docs/architecture.md#column-mapping)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from .models import ExportJob, ImportColumnMapping, ImportJob


def user_may_import_anything(*, user: AbstractBaseUser) -> bool:
    """Whether the user may import some model: no query beyond the permission cache."""
    if user.is_superuser:
        return user.is_active
    held = user.get_all_permissions()
    return any(
        codename.startswith("add_") and f"{app_label}.change_{codename[4:]}" in held
        for app_label, _, codename in (permission.partition(".") for permission in held)
    )


def models_importable_by(*, user: AbstractBaseUser) -> list[ContentType]:
    """Content types of the models this user may import (add and change permission)."""
    held = user.get_all_permissions()
    found = []
    for permission in held:
        app_label, _, codename = permission.partition(".")
        if codename.startswith("add_") and f"{app_label}.change_{codename[4:]}" in held:
            try:
                found.append(ContentType.objects.get_by_natural_key(app_label, codename[4:]))
            except ContentType.DoesNotExist:
                continue
    return found


def import_jobs_visible_to(*, user: AbstractBaseUser) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.all()
    if not (user.is_active and user.is_staff):
        return jobs.none()
    if user.is_superuser:
        return jobs
    return jobs.filter(Q(created_by=user) | Q(content_type__in=models_importable_by(user=user)))


def export_jobs_visible_to(*, user: AbstractBaseUser) -> QuerySet[ExportJob]:
    jobs = ExportJob.objects.all()
    if not (user.is_active and user.is_staff):
        return jobs.none()
    return jobs if user.is_superuser else jobs.filter(created_by=user)


def import_mappings_visible_to(*, user: AbstractBaseUser) -> QuerySet[ImportColumnMapping]:
    """The remembered column mappings a user's import page may offer: their own only."""
    if not (user.is_active and user.is_staff):
        return ImportColumnMapping.objects.none()
    return ImportColumnMapping.objects.filter(user=user)
