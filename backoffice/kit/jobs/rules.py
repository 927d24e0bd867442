"""Who sees which job (docs/architecture.md#background-jobs): everyone their own; who may
import a model (add and change on it) every import of that model, so Inventory managers see
every product import and Editors every article import; superusers all. Export jobs are
their author's only, while they may view the model. Cancelling follows seeing. A worker
runs a job with its author's rights, judged again when it runs (job_author_refusal). A
remembered column mapping is its owner's only, superusers included
(docs/architecture.md#column-mapping)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from backoffice.kit.viewable import viewable_content_types_q

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
    if user.is_superuser:
        return jobs
    # The file holds rows of the model: offered while its reader may view it.
    return jobs.filter(viewable_content_types_q(user=user), created_by=user)


def job_author_refusal(*, job: ImportJob | ExportJob) -> str | None:
    """Why a worker may not run this job as its author now (None: it may): the author's
    account is gone, inactive or no longer staff (the admin they queued it from would not
    let them in), or their roles no longer let them import the model (add and change) or
    export it (view). A worker never runs a job with a command-line import's full rights
    (importers take no user as "the system")."""
    author = job.created_by
    if author is None or not (author.is_active and author.is_staff):
        return "Its author's account is deleted, inactive or no longer staff: nothing was written."
    model = job.content_type.model_class()
    if model is None:
        return "Its model no longer exists: nothing was written."
    label, name = model._meta.app_label, model._meta.model_name
    if isinstance(job, ImportJob):
        allowed = author.has_perm(f"{label}.add_{name}") and author.has_perm(
            f"{label}.change_{name}"
        )
    else:
        allowed = author.has_perm(f"{label}.view_{name}") or author.has_perm(
            f"{label}.change_{name}"
        )
    if allowed:
        return None
    verb = "import" if isinstance(job, ImportJob) else "export"
    plural = model._meta.verbose_name_plural
    return f"Its author may no longer {verb} {plural}: nothing was written."


def import_mappings_visible_to(*, user: AbstractBaseUser) -> QuerySet[ImportColumnMapping]:
    """The remembered column mappings a user's import page may offer: their own only."""
    if not (user.is_active and user.is_staff):
        return ImportColumnMapping.objects.none()
    return ImportColumnMapping.objects.filter(user=user)
