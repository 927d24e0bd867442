"""A mapped supplier file on the job path (issue 17, item 4): the mapping rides on the job
row, so the worker's validation and import read the file's columns as chosen."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from backoffice.kit.jobs.imports import import_job_confirm, import_job_validate
from backoffice.kit.jobs.models import ImportJob
from catalog.models import Product
from tests.catalog.importing import csv_bytes
from tests.factories import UserFactory
from tests.jobs.factories import ImportJobFactory
from tests.jobs.test_import_jobs import stored
from tests.workers import celery_worker, wait_for

IMPORT = reverse("admin:catalog_product_import")
SUPPLIER = csv_bytes("Article number;Label;Qty;Unit price;Colour", "S-1;Jug;4;€3,50;white")
MAPPING = {"sku": "Article number", "name": "Label", "stock": "Qty", "price": "Unit price"}


@pytest.mark.django_db
def test_the_worker_validates_and_imports_a_job_by_its_mapping():
    user = UserFactory(groups=["Inventory managers"])
    job = ImportJobFactory(created_by=user, upload=stored(SUPPLIER), mapping=MAPPING)

    import_job_validate(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.total_new, job.error_count) == ("ready", 1, 0)
    assert "Ignored column 'Colour': no field of products is read from it." in job.notes
    assert import_job_confirm(job_id=job.pk, user=user)  # eager: the import runs here
    job.refresh_from_db()
    assert job.status == "done"
    assert list(Product.objects.values_list("sku", "name", "stock")) == [("S-1", "Jug", 4)]


@pytest.mark.django_db
def test_a_job_whose_mapped_column_is_missing_fails_with_a_message():
    user = UserFactory(groups=["Inventory managers"])
    mapping = {**MAPPING, "stock": "Quantity"}
    job = ImportJobFactory(created_by=user, upload=stored(SUPPLIER), mapping=mapping)

    import_job_validate(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert [error["message"] for error in job.errors] == [
        "The column 'Quantity' chosen for stock is not in the file."
    ]


@pytest.mark.django_db(transaction=True)
def test_a_mapped_upload_through_a_real_worker(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the worker gets the same folder below
    client = Client()
    client.force_login(UserFactory(username="keeper", groups=["Inventory managers"]))
    with celery_worker(tmp_path, media_root=tmp_path / "media") as worker:
        step = client.post(IMPORT, {"import_file": SimpleUploadedFile("supplier.csv", SUPPLIER)})
        form = step.context["mapping_form"]
        data = {name: form[name].value() or "" for name in form.fields}
        data["map_name"] = "Label"  # no name like it: the person chooses it
        assert {key: data[f"map_{key}"] for key in MAPPING} == MAPPING

        response = client.post(IMPORT, data)

        job = ImportJob.objects.get()
        assert response.status_code == 302, "the request only queued the job"
        assert job.mapping == MAPPING
        wait_for(
            lambda: ImportJob.objects.get().status not in ("queued", "validating"),
            timeout=60,
            message=worker.log_text(),
        )
        preview = client.get(response.url)
        assert preview.context["report"].totals["new"] == 1, worker.log_text()
        token = preview.context["confirm_form"].initial["token"]
        client.post(reverse("admin:catalog_product_process_import"), {"token": token})
        wait_for(
            lambda: ImportJob.objects.get().status == "done",
            timeout=60,
            message=worker.log_text(),
        )
    assert list(Product.objects.values_list("sku", "name", "stock")) == [("S-1", "Jug", 4)]
