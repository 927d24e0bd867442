"""Celery tasks of the jobs: thin wrappers that take a job id and call a service
(docs/architecture.md#background-jobs)."""

import smtplib

from celery import shared_task

from . import exports, imports, notices


@shared_task
def import_job_validate_task(job_id: int) -> None:
    imports.import_job_validate(job_id=job_id)


@shared_task
def import_job_run_task(job_id: int) -> None:
    imports.import_job_run(job_id=job_id)


@shared_task
def export_job_run_task(job_id: int) -> None:
    exports.export_job_run(job_id=job_id)


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=60 * 60,
    max_retries=7,
)
def import_job_email_task(job_id: int) -> int:
    return notices.import_job_email_send(job_id=job_id)
