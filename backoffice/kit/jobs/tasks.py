"""Celery tasks of the jobs: thin wrappers that take a job id and call a service
(docs/architecture.md#background-jobs)."""

from celery import shared_task

from backoffice.kit.email_retry import EMAIL_RETRY
from backoffice.kit.importing.storage import import_uploads_purge

from . import emails, exports, imports, notices, sweeper


@shared_task
def import_job_validate_task(job_id: int) -> None:
    imports.import_job_validate(job_id=job_id)


@shared_task
def import_job_run_task(job_id: int) -> None:
    imports.import_job_run(job_id=job_id)


@shared_task
def export_job_run_task(job_id: int) -> None:
    exports.export_job_run(job_id=job_id)


@shared_task(**EMAIL_RETRY)
def import_job_email_task(job_id: int) -> int:
    # One email per job, however often the task is delivered or enqueued.
    return emails.email_send_once(
        key=f"import-job-email:{job_id}",
        send=lambda: notices.import_job_email_send(job_id=job_id),
    )


@shared_task
def jobs_stalled_sweep_task() -> int:
    """Celery beat, every few minutes: fail the running jobs whose worker stopped."""
    return sweeper.jobs_stalled_fail()


@shared_task
def jobs_files_purge_task() -> int:
    """Celery beat, hourly: export files past BACKOFFICE_EXPORT_MAX_AGE_HOURS, uploads nobody
    confirmed past BACKOFFICE_IMPORT_UPLOAD_MAX_AGE_HOURS, sent-email records past every
    retry."""
    return exports.export_files_purge() + import_uploads_purge() + emails.sent_emails_purge()
