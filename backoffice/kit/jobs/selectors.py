"""Reads of the jobs for the dashboard's "your import finished" notice: a count that rides
in the dashboard's one counting statement, and the jobs themselves only when there are some."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from .models import ImportJob

FINISHED_IMPORTS_SHOWN = 3
FINISHED_WITHIN = timedelta(days=1)
FINISHED_STATUSES = (ImportJob.Status.DONE, ImportJob.Status.FAILED)


@dataclass(frozen=True)
class FinishedImport:
    """One of the user's own imports that finished lately, and its import page."""

    job: ImportJob
    url: str


def import_jobs_finished_count_part(*, user: AbstractBaseUser) -> tuple[str, list]:
    """The user's own imports done or failed in the last day, as a scalar SELECT (SQL and
    parameters) for a statement that reads several counts at once."""
    quote = connection.ops.quote_name
    opts = ImportJob._meta

    def column(name: str) -> str:
        return quote(opts.get_field(name).column)

    statuses = ", ".join(["%s"] * len(FINISHED_STATUSES))
    sql = (
        f"SELECT COUNT(*) FROM {quote(opts.db_table)} WHERE {column('created_by')} = %s"
        f" AND {column('status')} IN ({statuses}) AND {column('finished_at')} >= %s"
    )
    since = connection.ops.adapt_datetimefield_value(timezone.now() - FINISHED_WITHIN)
    return sql, [user.pk, *FINISHED_STATUSES, since]


def import_jobs_finished_recently(*, user: AbstractBaseUser) -> list[FinishedImport]:
    jobs = (
        ImportJob.objects.filter(
            created_by=user,
            status__in=FINISHED_STATUSES,
            finished_at__gte=timezone.now() - FINISHED_WITHIN,
        )
        .select_related("content_type")
        .order_by("-finished_at")[:FINISHED_IMPORTS_SHOWN]
    )
    return [
        FinishedImport(
            job=job,
            url=reverse(f"admin:{job.content_type.app_label}_{job.content_type.model}_import")
            + f"?job={job.pk}",
        )
        for job in jobs
    ]
