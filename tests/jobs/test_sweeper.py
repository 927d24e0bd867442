"""Celery beat's sweep (backoffice.kit.jobs.sweeper): running jobs whose worker showed no
progress for BACKOFFICE_JOB_STALLED_MINUTES are failed with a message, their upload removed;
live ones, waiting ones and finished ones are left alone; an import whose model's import
lock is held is alive whatever its progress says."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from backoffice.celery import app
from backoffice.kit.db import transaction_lock_try
from backoffice.kit.importing.storage import ImportUploadStorage
from backoffice.kit.jobs.models import ExportJob, ImportJob
from backoffice.kit.jobs.sweeper import jobs_stalled_fail
from backoffice.kit.jobs.tasks import jobs_stalled_sweep_task
from catalog.importers import ProductImporter
from tests.jobs.factories import ExportJobFactory, ImportJobFactory

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - timedelta(hours=2)


def silent_job(factory=ImportJobFactory, *, minutes: float, **fields):
    job = factory(**fields)
    moment = timezone.now() - timedelta(minutes=minutes)
    type(job).objects.filter(pk=job.pk).update(
        created_at=LONG_AGO, started_at=LONG_AGO, progress_at=moment
    )
    return job


def stored_upload() -> str:
    storage = ImportUploadStorage()
    storage.save(b"sku,name,price,stock\nA,B,1,1\n")
    return storage.name


def test_jobs_silent_past_the_setting_are_failed_with_a_message(settings):
    settings.BACKOFFICE_JOB_STALLED_MINUTES = 30
    validating = silent_job(minutes=31, status="validating", upload=stored_upload())
    importing = silent_job(minutes=45, status="importing", upload=stored_upload())
    exporting = silent_job(ExportJobFactory, minutes=90, status="exporting")

    assert jobs_stalled_sweep_task.delay().get() == 3

    validating.refresh_from_db()
    assert validating.status == "failed"
    assert validating.finished_at is not None
    assert validating.message == (
        "Checking the file stopped: its worker showed no progress for 30 minutes (it was "
        "stopped or lost). Nothing was written; upload the file again."
    )
    importing.refresh_from_db()
    assert importing.status == "failed"
    assert "Nothing was written (the import is one transaction)" in importing.message
    for job in (validating, importing):
        with pytest.raises(FileNotFoundError):
            ImportUploadStorage(name=job.upload).read()
    exporting.refresh_from_db()
    assert (exporting.status, exporting.message[:25]) == ("failed", "The export stopped: its w")


def test_live_waiting_and_finished_jobs_are_left_alone(settings):
    settings.BACKOFFICE_JOB_STALLED_MINUTES = 30
    alive = [
        silent_job(minutes=5, status="validating"),
        silent_job(minutes=29, status="importing"),
        silent_job(ExportJobFactory, minutes=1, status="exporting"),
    ]
    # Waiting for a worker, for review, or over: nothing runs that could have stopped.
    idle = [silent_job(minutes=600, status=status) for status in ("queued", "ready", "done")]
    idle.append(silent_job(ExportJobFactory, minutes=600, status="queued"))

    assert jobs_stalled_fail() == 0

    for job in alive + idle:
        before = job.status
        job.refresh_from_db()
        assert (job.status, job.message) == (before, "")


def test_without_any_progress_written_the_start_counts():
    # A worker that died before its first progress write: started_at is its last sign.
    job = ImportJobFactory(status="validating")
    ImportJob.objects.filter(pk=job.pk).update(started_at=LONG_AGO, created_at=LONG_AGO)
    fresh = ImportJobFactory(status="validating")
    ImportJob.objects.filter(pk=fresh.pk).update(started_at=timezone.now())

    assert jobs_stalled_fail(stalled_for=timedelta(minutes=30)) == 1
    assert ImportJob.objects.get(pk=job.pk).status == "failed"
    assert ImportJob.objects.get(pk=fresh.pk).status == "validating"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the import lock is PostgreSQL's advisory lock (SQLite: the sweep waits on the "
    "database's write lock instead); runs on PostgreSQL in CI",
)
def test_an_import_holding_its_models_lock_is_alive_whatever_its_progress():
    job = silent_job(minutes=600, status="importing")
    holding, release = threading.Event(), threading.Event()

    def import_in_progress():
        try:
            with transaction.atomic():
                assert transaction_lock_try(name=ProductImporter.lock_name(), wait_seconds=1)
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=import_in_progress)
    thread.start()
    try:
        assert holding.wait(30)
        assert jobs_stalled_fail(stalled_for=timedelta(minutes=30)) == 0
        assert ImportJob.objects.get(pk=job.pk).status == "importing"
    finally:
        release.set()
        thread.join()
    assert jobs_stalled_fail(stalled_for=timedelta(minutes=30)) == 1
    assert ImportJob.objects.get(pk=job.pk).status == "failed"


def test_beat_runs_the_sweep_and_the_purge_on_a_schedule_in_settings(settings):
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    sweep = schedule["backoffice.kit.jobs.tasks.jobs_stalled_sweep_task"]
    purge = schedule["backoffice.kit.jobs.tasks.jobs_files_purge_task"]
    assert sweep.minute == set(range(0, 60, 5))
    assert purge.minute == {17}
    app.loader.import_default_modules()
    assert set(schedule) <= set(app.tasks)


def test_an_export_failed_by_the_sweep_keeps_no_file_when_its_worker_comes_back(monkeypatch):
    # The worker was only slow: its progress write finds the job failed and stops there.
    from backoffice.kit.jobs.exports import export_job_run

    job = ExportJobFactory(status="queued")
    monkeypatch.setattr("backoffice.kit.jobs.progress.WRITE_INTERVAL", 0)

    def swept(*args, **kwargs):
        ExportJob.objects.filter(pk=job.pk).update(status="failed", message="swept")
        yield ["sku"]

    monkeypatch.setattr("backoffice.kit.jobs.exports.export_rows", swept)
    export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.file, job.message) == ("failed", "", "swept")
