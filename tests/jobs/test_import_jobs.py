"""The import job's life (backoffice.kit.jobs.imports), run eagerly as the test settings do:
every import leaves a job; transitions happen once; a cancelled or crashed job writes
nothing; the author hears of a long one."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from backoffice.kit.importing.storage import ImportUploadStorage
from backoffice.kit.jobs import imports, progress
from backoffice.kit.jobs.imports import (
    MAX_IMPORT_ATTEMPTS,
    import_job_cancel,
    import_job_confirm,
    import_job_run,
    import_job_validate,
)
from backoffice.kit.jobs.models import ImportJob
from catalog.models import Product
from tests.catalog.importing import confirm, csv_bytes, preview
from tests.factories import UserFactory
from tests.jobs.factories import ImportJobFactory

pytestmark = pytest.mark.django_db

ROWS = ("sku,name,price,stock", "A-1,Apple,1.00,3", "B-2,Banana,2.00,40")
# A worker runs a job only for an author who may still import its model (jobs/rules.py).
IMPORTER = ["Inventory managers"]


def stored(content: bytes) -> str:
    storage = ImportUploadStorage()
    storage.save(content)
    return storage.name


def queued_job(user, content: bytes = csv_bytes(*ROWS), **fields) -> ImportJob:
    return ImportJobFactory(created_by=user, upload=stored(content), **fields)


def test_an_admin_import_leaves_a_job_with_its_steps_and_totals(admin_client_for):
    client = admin_client_for("Inventory managers")
    response = preview(client, "catalog_product", csv_bytes(*ROWS), name="fruit.csv")

    job = ImportJob.objects.get()
    assert response.context["job"] == job
    assert (job.status, job.created_by, job.file_name, job.source) == (
        "ready",
        client.user,
        "fruit.csv",
        "admin",
    )
    assert (job.rows_total, job.rows_done, job.total_new, job.error_count) == (2, 2, 2, 0)
    assert job.started_at <= job.validated_at
    assert job.finished_at is None
    assert not Product.objects.exists()

    confirm(client, "catalog_product", response)

    job.refresh_from_db()
    assert (job.status, job.total_new, job.attempts) == ("done", 2, 1)
    assert job.finished_at >= job.validated_at
    assert Product.objects.count() == 2


def test_a_rejected_file_is_a_failed_job_with_its_errors(admin_client_for):
    client = admin_client_for("Inventory managers")
    preview(client, "catalog_product", csv_bytes("sku,name,price,stock", "A,a,-1,2"))

    job = ImportJob.objects.get()
    assert (job.status, job.error_count, job.total_invalid) == ("failed", 1, 1)
    assert job.errors == [
        {"row": 2, "column": "price", "value": "-1", "message": "Must be 0 or more."}
    ]
    with pytest.raises(FileNotFoundError):  # a rejected file's upload is not kept
        ImportUploadStorage(name=job.upload).read()


def test_a_rejected_file_s_job_says_why_it_failed(admin_client_for):
    # The job's card showed only "Failed" over an empty body: a rejected file has no message.
    client = admin_client_for("Inventory managers")
    response = preview(client, "catalog_product", csv_bytes("sku,name,price,stock", "A,a,-1,2"))

    assert ImportJob.objects.get().message == ""
    assert "The file was rejected: its errors are listed below." in response.content.decode()


def test_validation_and_import_happen_once_however_often_the_task_is_delivered():
    user = UserFactory(groups=["Inventory managers"])
    job = queued_job(user)

    import_job_validate(job_id=job.pk)
    import_job_validate(job_id=job.pk)  # a second delivery: nothing more
    job.refresh_from_db()
    assert (job.status, job.total_new) == ("ready", 2)

    assert import_job_confirm(job_id=job.pk, user=user)  # runs eagerly
    assert not import_job_confirm(job_id=job.pk, user=user)  # a double click
    import_job_run(job_id=job.pk)  # a second delivery of the done job
    job.refresh_from_db()
    assert (job.status, job.attempts, Product.objects.count()) == ("done", 1, 2)


def test_only_the_author_confirms_and_only_a_ready_job():
    author = UserFactory(username="author", groups=["Inventory managers"])
    other = UserFactory(username="other", groups=["Inventory managers"])
    job = queued_job(author)
    assert not import_job_confirm(job_id=job.pk, user=author)  # not validated yet
    import_job_validate(job_id=job.pk)

    assert not import_job_confirm(job_id=job.pk, user=other)

    assert ImportJob.objects.get(pk=job.pk).status == "ready"
    assert not Product.objects.exists()


@pytest.mark.parametrize("status", ["queued", "ready"])
def test_a_job_not_yet_importing_can_be_cancelled_and_its_upload_goes(status):
    job = queued_job(UserFactory(groups=IMPORTER), status=status)

    assert import_job_cancel(job=job)

    job.refresh_from_db()
    assert job.status == "cancelled"
    assert job.finished_at is not None
    with pytest.raises(FileNotFoundError):
        ImportUploadStorage(name=job.upload).read()
    import_job_validate(job_id=job.pk)  # a queued task arriving later does nothing
    assert ImportJob.objects.get(pk=job.pk).status == "cancelled"


@pytest.mark.parametrize("status", ["importing", "done", "failed", "cancelled"])
def test_a_job_importing_or_finished_cannot_be_cancelled(status):
    job = queued_job(UserFactory(groups=IMPORTER), status=status)
    assert not import_job_cancel(job=job)
    assert ImportJob.objects.get(pk=job.pk).status == status


def test_a_job_cancelled_while_it_validates_stops_and_writes_nothing_more(monkeypatch):
    job = queued_job(UserFactory(groups=IMPORTER), content=csv_bytes(*ROWS))
    monkeypatch.setattr(progress, "WRITE_INTERVAL", 0)
    file_import = imports.file_import

    def cancelled_half_way(**kwargs):
        def progress_then_cancel(rows):
            ImportJob.objects.filter(pk=job.pk).update(status="cancelled")
            kwargs_progress(rows)

        kwargs_progress = kwargs["progress"]
        return file_import(**{**kwargs, "progress": progress_then_cancel})

    monkeypatch.setattr(imports, "file_import", cancelled_half_way)

    import_job_validate(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.total_new, job.validated_at) == ("cancelled", 0, None)
    with pytest.raises(FileNotFoundError):
        ImportUploadStorage(name=job.upload).read()


def test_an_import_interrupted_too_often_fails_instead_of_looping():
    job = queued_job(UserFactory(groups=IMPORTER), status="importing", attempts=MAX_IMPORT_ATTEMPTS)

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.attempts == MAX_IMPORT_ATTEMPTS + 1
    assert f"stopped {MAX_IMPORT_ATTEMPTS} times" in job.message
    assert not Product.objects.exists()


def test_an_upload_gone_before_the_worker_reads_it_fails_the_job_clearly():
    job = queued_job(UserFactory(groups=IMPORTER))
    ImportUploadStorage(name=job.upload).remove()

    import_job_validate(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.message == (
        "The uploaded file is no longer there (expired or removed); upload it again."
    )


def test_the_author_is_emailed_about_an_import_that_took_over_a_minute():
    author = UserFactory(username="slowpoke", email="slow@shop.example", groups=IMPORTER)
    job = queued_job(author, status="importing")
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=2))

    import_job_run(job_id=job.pk)

    [email] = mail.outbox
    assert email.to == ["slow@shop.example"]
    assert email.subject == f"[Backoffice] Import finished: {job.file_name}"
    assert "2 new, 0 updated, 0 unchanged" in email.body


def test_a_quick_import_sends_no_email():
    job = queued_job(UserFactory(email="quick@shop.example", groups=IMPORTER), status="importing")
    import_job_run(job_id=job.pk)
    assert ImportJob.objects.get(pk=job.pk).status == "done"
    assert [m.to for m in mail.outbox] == []


@pytest.mark.django_db(transaction=True)
def test_two_confirms_at_once_import_once():
    if connection.vendor == "sqlite":
        pytest.skip("needs concurrent writers; SQLite serialises them (runs on PostgreSQL in CI)")
    user = UserFactory(groups=["Inventory managers"])
    job = queued_job(user)
    import_job_validate(job_id=job.pk)
    barrier = threading.Barrier(2)
    results = []

    def click():
        barrier.wait()
        try:
            results.append(import_job_confirm(job_id=job.pk, user=user))
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert ImportJob.objects.get(pk=job.pk).attempts == 1
    assert Product.objects.count() == 2
