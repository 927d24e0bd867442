"""Import jobs through a real Celery worker process (Redis when it answers, else the
no-server broker), the way production runs them: the admin's requests only enqueue, the
worker validates and imports, the page follows the job's progress from its JSON view."""

import os
import signal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from backoffice.kit.importing.storage import ImportUploadStorage
from backoffice.kit.jobs.models import ImportJob
from backoffice.kit.jobs.tasks import import_job_run_task
from catalog.models import Product
from tests.factories import UserFactory
from tests.jobs.slow_importer import MARKER_FOLDER
from tests.workers import celery_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

IMPORT = reverse("admin:catalog_product_import")


def products_csv(count: int, start: int = 0) -> bytes:
    lines = ["sku,name,price,stock"] + [
        f"JOB-{n:06d},Product {n},1.50,{n % 40}" for n in range(start, start + count)
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def manager(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the worker gets the same folder below
    user = UserFactory(username="keeper", groups=["Inventory managers"])
    client = Client()
    client.force_login(user)
    return client


def progress_of(client: Client, job: ImportJob) -> dict:
    response = client.get(reverse("admin:jobs_importjob_progress", args=[job.pk]))
    assert response.status_code == 200
    return response.json()


def test_upload_preview_confirm_through_the_worker(manager, tmp_path):
    with celery_worker(tmp_path, media_root=tmp_path / "media") as worker:
        upload = SimpleUploadedFile("stock.csv", products_csv(3000))
        response = manager.post(IMPORT, {"import_file": upload})

        # The request only stored the file and queued the job: the page follows it.
        job = ImportJob.objects.get()
        assert response.status_code == 302
        assert response.url == f"{IMPORT}?job={job.pk}"
        assert progress_of(manager, job)["status"] in ("queued", "validating", "ready")
        ready = wait_for(
            lambda: (p := progress_of(manager, job))["finished"] and p,
            timeout=60,
            message=worker.log_text(),
        )
        assert ready["status"] == "ready", worker.log_text()
        assert (ready["rows_done"], ready["rows_total"], ready["percent"]) == (3000, 3000, 100)

        preview = manager.get(response.url)
        assert preview.context["report"].totals["new"] == 3000
        token = preview.context["confirm_form"].initial["token"]
        confirmed = manager.post(reverse("admin:catalog_product_process_import"), {"token": token})
        assert confirmed.status_code == 302
        assert confirmed.url == f"{IMPORT}?job={job.pk}"
        done = wait_for(
            lambda: (p := progress_of(manager, job))["finished"] and p,
            timeout=60,
            message=worker.log_text(),
        )
    assert done["status"] == "done", worker.log_text()
    assert Product.objects.count() == 3000
    job.refresh_from_db()
    assert (job.total_new, job.attempts) == (3000, 1)
    with pytest.raises(FileNotFoundError):  # the upload is removed once imported
        ImportUploadStorage(name=job.upload).read()
    result = manager.get(f"{IMPORT}?job={job.pk}")
    assert "Import finished: 3000 new, 0 updated, 0 unchanged." in result.content.decode()


def test_a_worker_killed_mid_import_leaves_nothing_half_written_and_the_rerun_imports_once(
    manager, tmp_path
):
    markers = tmp_path / "markers"
    markers.mkdir()
    Product.objects.create(sku="JOB-000000", name="Before", price=1, stock=7)
    storage = ImportUploadStorage()
    storage.save(products_csv(4000))  # 5 chunks of 900 rows (one an update)
    job = ImportJob.objects.create(
        created_by=UserFactory(username="importer", groups=["Inventory managers"]),
        content_type=ContentType.objects.get_for_model(Product),
        importer="tests.jobs.slow_importer.SlowProductImporter",
        upload=storage.name,
        file_name="stock.csv",
        file_size=1,
        status=ImportJob.Status.IMPORTING,  # confirmed: the worker imports it
    )
    with celery_worker(
        tmp_path, media_root=tmp_path / "media", environment={MARKER_FOLDER: str(markers)}
    ) as worker:
        import_job_run_task.delay(job.pk)
        # Two chunks written inside the import's transaction, then SIGKILL to the process
        # running it (the pool child; its parent, the worker, stays up).
        wait_for(lambda: len(list(markers.iterdir())) >= 2, timeout=60, message=worker.log_text())
        [child] = worker.pool_pids()
        os.kill(child, signal.SIGKILL)

        # Nothing of the first attempt is visible: one transaction, rolled back.
        assert Product.objects.count() == 1
        assert Product.objects.get().name == "Before"

        # Late acknowledgement: the message goes back to the queue and a new pool process
        # runs the import again from the start.
        wait_for(
            lambda: ImportJob.objects.get(pk=job.pk).status == "done",
            timeout=90,
            message=worker.log_text(),
        )
        job.refresh_from_db()
        assert job.attempts == 2
        assert (job.total_new, job.total_updated) == (3999, 1)
        assert Product.objects.count() == 4000
        assert Product.objects.get(sku="JOB-000000").name == "Product 0"

        # A second delivery of the finished job changes nothing.
        again = import_job_run_task.delay(job.pk)
        wait_for(
            lambda: f"{again.id}] succeeded" in worker.log_text(),
            timeout=30,
            message=worker.log_text(),
        )
    job.refresh_from_db()
    assert (job.status, job.attempts, Product.objects.count()) == ("done", 2, 4000)
    assert "WorkerLostError" in worker.log_text() or "SIGKILL" in worker.log_text()
