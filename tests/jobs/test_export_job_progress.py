"""Export jobs show the import page's live progress bar (the same include, JSON view and
script), can be cancelled until their file is written, and lose their file after
BACKOFFICE_EXPORT_MAX_AGE_HOURS; another's export stays invisible (404) to everyone but
superusers."""

import os
import time
from datetime import timedelta

import pytest
from django.urls import reverse

from backoffice.kit.importing import exporting
from backoffice.kit.jobs import progress
from backoffice.kit.jobs.exports import export_files_purge, export_job_run, export_storage
from backoffice.kit.jobs.models import ExportJob
from backoffice.kit.jobs.progress import ProgressWriter
from tests.factories import ProductFactory
from tests.jobs.factories import ExportJobFactory
from tests.jobs.test_job_admin import ODD_IDS

pytestmark = pytest.mark.django_db


def url(name: str, job: ExportJob) -> str:
    return reverse(f"admin:jobs_exportjob_{name}", args=[job.pk])


@pytest.fixture
def exporter(admin_client_for):
    return admin_client_for("Viewers", username="exporter")


def test_a_running_export_shows_the_progress_bar_of_the_import_page(exporter):
    job = ExportJobFactory(created_by=exporter.user, status="exporting", rows_total=80_000)
    ExportJob.objects.filter(pk=job.pk).update(rows_done=20_000)

    page = exporter.get(url("change", job)).content.decode()

    assert 'id="job-progress"' in page
    assert f'data-progress-url="{url("progress", job)}"' in page
    assert "backoffice/job_progress.js" in page
    assert "20,000 of 80,000 rows" in page
    assert "Cancel this export" in page
    # The cancel form stands outside the admin's change form (forms cannot nest); the button
    # in the object tools names it.
    change_form_end = page.index("</form>", page.index('id="exportjob_form"'))
    assert page.index('id="job-cancel-form"') > change_form_end
    assert 'form="job-cancel-form"' in page
    assert exporter.get(url("progress", job)).json() == {
        "id": job.pk,
        "status": "exporting",
        "status_label": "Exporting",
        "rows_done": 20_000,
        "rows_total": 80_000,
        "percent": 25,
        "finished": False,
    }


def test_a_finished_export_shows_its_download_and_no_bar(exporter):
    job = ExportJobFactory(created_by=exporter.user, done=True)
    page = exporter.get(url("change", job)).content.decode()
    assert "Download products.csv" in page
    assert 'id="job-progress"' not in page
    assert "Cancel this export" not in page


@pytest.mark.parametrize("status", ["queued", "exporting"])
def test_the_author_cancels_an_export_before_its_file_is_written(exporter, status):
    job = ExportJobFactory(created_by=exporter.user, status=status)
    assert exporter.get(url("cancel", job)).status_code == 405

    response = exporter.post(url("cancel", job))

    assert response.status_code == 302
    assert response.url == url("change", job)
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert job.finished_at is not None
    assert exporter.get(url("progress", job)).json()["finished"] is True
    again = exporter.post(url("cancel", job), follow=True)
    assert "cannot be cancelled" in again.content.decode()


def test_nobody_else_sees_cancels_or_follows_anothers_export_but_superusers(
    exporter, admin_client_for, superuser_client
):
    job = ExportJobFactory(created_by=exporter.user, status="exporting")
    for role in ("Viewers", "Inventory managers", "Editors", "User admins"):
        nosy = admin_client_for(role, username=f"nosy-{role}")
        for name in ("progress", "change", "download"):
            assert nosy.get(url(name, job)).status_code == 404, (role, name)
        assert nosy.post(url("cancel", job)).status_code == 404, role
        nosy.post(
            reverse("admin:jobs_exportjob_changelist"),
            {"action": "cancel_jobs", "_selected_action": [job.pk], "index": "0"},
        )
    assert ExportJob.objects.get(pk=job.pk).status == "exporting"

    assert superuser_client.get(url("progress", job)).status_code == 200
    assert superuser_client.post(url("cancel", job)).status_code == 302
    assert ExportJob.objects.get(pk=job.pk).status == "cancelled"


@pytest.mark.parametrize("odd", ODD_IDS)
def test_odd_export_job_ids_answer_404_on_cancel(superuser_client, odd):
    cancel = reverse("admin:jobs_exportjob_cancel", args=["1"]).replace("/1/", f"/{odd}/", 1)
    assert superuser_client.post(cancel).status_code == 404


def test_an_export_cancelled_while_writing_stops_and_leaves_no_file(monkeypatch, exporter):
    for number in range(5):
        ProductFactory(sku=f"CX-{number}")
    job = ExportJobFactory(created_by=exporter.user)
    monkeypatch.setattr(exporting, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(progress, "WRITE_INTERVAL", 0)
    counted = ProgressWriter.__call__

    def cancelled_after_two_rows(writer, rows):
        if writer.rows_done == 2:
            exporter.post(url("cancel", job))  # the person clicks Cancel meanwhile
        counted(writer, rows)

    monkeypatch.setattr(ProgressWriter, "__call__", cancelled_after_two_rows)

    export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.file, job.rows_done) == ("cancelled", "", 2)
    storage = export_storage()
    assert not storage.exists("exports") or storage.listdir("exports")[1] == []


def test_a_finished_export_cannot_be_cancelled(exporter):
    job = ExportJobFactory(created_by=exporter.user)
    ProductFactory(sku="DONE-1")
    export_job_run(job_id=job.pk)
    response = exporter.post(url("cancel", job))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total) == ("done", 1, 1)
    assert exporter.get(url("download", job)).status_code == 200


def test_export_files_older_than_the_setting_are_removed_from_export_storage(settings, exporter):
    settings.BACKOFFICE_EXPORT_MAX_AGE_HOURS = 24
    old, recent = (ExportJobFactory(created_by=exporter.user, done=True) for _ in range(2))
    storage = export_storage()
    stray = storage.save("exports/left-by-a-cancelled-export.csv", storage.open(old.file))
    day_ago = time.time() - 25 * 3600
    for name in (old.file, stray):
        os.utime(storage.path(name), (day_ago, day_ago))

    assert export_files_purge() == 2

    assert not storage.exists(old.file)
    assert not storage.exists(stray)
    assert storage.exists(recent.file)
    old.refresh_from_db()
    assert (old.status, old.file) == ("done", "")
    assert old.message == "The file was removed 24 hours after it was written; export again."
    assert exporter.get(url("download", old)).status_code == 404
    assert exporter.get(url("download", recent)).status_code == 200
    page = exporter.get(url("change", old)).content.decode()
    assert "Download" not in page
    assert export_files_purge(older_than=timedelta(hours=1)) == 0


def test_beats_hourly_purge_removes_old_exports_uploads_and_email_records(exporter):
    from backoffice.kit.importing.storage import ImportUploadStorage
    from backoffice.kit.jobs.models import SentEmail
    from backoffice.kit.jobs.tasks import jobs_files_purge_task

    export = ExportJobFactory(created_by=exporter.user, done=True)
    upload = ImportUploadStorage()
    upload.save(b"sku\nA\n")
    storage = export_storage()
    two_days_ago = time.time() - 48 * 3600
    for name in (export.file, upload.path):
        os.utime(storage.path(name), (two_days_ago, two_days_ago))
    record = SentEmail.objects.create(key="long-ago")
    SentEmail.objects.filter(pk=record.pk).update(sent_at=record.sent_at - timedelta(days=8))

    assert jobs_files_purge_task.delay().get() == 3

    assert not storage.exists(export.file)
    assert not storage.exists(upload.path)
    assert not SentEmail.objects.exists()
