"""A worker killed while it validates a file, with a real Celery worker process: the
late-acknowledged message is delivered again, but the job is `validating` already, so the
re-delivery stops and nobody would ever finish it. Beat's sweep fails it once it has been
silent for BACKOFFICE_JOB_STALLED_MINUTES, with a message, and removes its upload."""

import os
import signal
import time
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from backoffice.kit.importing.storage import ImportUploadStorage
from backoffice.kit.jobs.models import ImportJob
from backoffice.kit.jobs.sweeper import jobs_stalled_fail
from backoffice.kit.jobs.tasks import import_job_validate_task
from catalog.models import Product
from tests.factories import UserFactory
from tests.jobs.slow_importer import MARKER_FOLDER
from tests.jobs.test_worker_import import products_csv
from tests.workers import celery_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_validation_whose_worker_died_is_failed_by_the_sweep(tmp_path, settings, client):
    settings.MEDIA_ROOT = tmp_path / "media"
    markers = tmp_path / "markers"
    markers.mkdir()
    storage = ImportUploadStorage()
    storage.save(products_csv(4000))  # 5 chunks of 900 rows
    author = UserFactory(username="checker", groups=["Inventory managers"])
    job = ImportJob.objects.create(
        created_by=author,
        content_type=ContentType.objects.get_for_model(Product),
        importer="tests.jobs.slow_importer.SlowCheckingProductImporter",
        upload=storage.name,
        file_name="stock.csv",
        file_size=1,
    )
    with celery_worker(
        tmp_path, media_root=tmp_path / "media", environment={MARKER_FOLDER: str(markers)}
    ) as worker:
        message = import_job_validate_task.delay(job.pk)
        wait_for(lambda: len(list(markers.iterdir())) >= 2, timeout=60, message=worker.log_text())
        [child] = worker.pool_pids()
        os.kill(child, signal.SIGKILL)
        # The re-delivery runs and finds the job validating: it changes nothing.
        wait_for(
            lambda: f"import_job_validate_task[{message.id}] succeeded" in worker.log_text(),
            timeout=90,
            message=worker.log_text(),
        )
    job.refresh_from_db()
    assert job.status == "validating"
    assert "WorkerLostError" in worker.log_text()
    assert job.progress_at is not None

    # Live for less than the setting: left alone. Silent past it: failed.
    assert jobs_stalled_fail(stalled_for=timedelta(minutes=30)) == 0
    time.sleep(1.1)
    assert jobs_stalled_fail(stalled_for=timedelta(seconds=1)) == 1

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.message.startswith("Checking the file stopped: its worker showed no progress")
    with pytest.raises(FileNotFoundError):
        ImportUploadStorage(name=job.upload).read()
    client.force_login(author)
    page = client.get(reverse("admin:catalog_product_import") + f"?job={job.pk}")
    assert job.message in page.content.decode()
