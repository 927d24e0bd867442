"""Telling an import's author that it finished: by email when it took over a minute
(the dashboard notice is read by alerts.selectors)."""

from django.conf import settings
from django.core.mail import send_mail

from .models import ImportJob


def import_job_email_send(*, job_id: int) -> int:
    job = ImportJob.objects.select_related("created_by", "content_type").get(pk=job_id)
    author = job.created_by
    if author is None or not author.email or job.status not in ImportJob.FINISHED:
        return 0
    model = job.content_type.model_class()._meta.verbose_name_plural
    if job.status == ImportJob.Status.DONE:
        subject = f"Import finished: {job.file_name}"
        body = (
            f"Your import of {model} from {job.file_name} finished: {job.total_new} new, "
            f"{job.total_updated} updated, {job.total_unchanged} unchanged."
        )
    else:
        subject = f"Import failed: {job.file_name}"
        body = f"Your import of {model} from {job.file_name} failed; nothing was written.\n"
        body += job.message or f"{job.error_count} errors; see Import jobs in the admin."
    return send_mail(f"[Backoffice] {subject}", body, settings.DEFAULT_FROM_EMAIL, [author.email])
