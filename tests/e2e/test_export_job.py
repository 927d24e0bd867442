"""The export job page in a real browser: the import page's progress bar (the same include,
script and JSON view) follows the job as a worker writes it, the page turns into the
download when the job is done, and Cancel (a form outside the admin's change form) stops a
running export. The worker's writes are made here, on the job row, so each step is
deterministic; the worker itself is tested in tests/jobs."""

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect

from backoffice.kit.jobs.exports import export_storage
from backoffice.kit.jobs.models import ExportJob
from tests.factories import UserFactory
from tests.jobs.factories import ExportJobFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def exporter(signed_in, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    user = UserFactory(username="exporter", groups=["Viewers"])
    signed_in(user)
    return user


def test_the_export_page_follows_the_job_to_its_download(page, exporter):
    job = ExportJobFactory(created_by=exporter, status="queued", file_name="products.csv")
    page.goto(reverse("admin:jobs_exportjob_change", args=[job.pk]))
    expect(page.locator(".job-progress-step")).to_contain_text("Waiting for a worker")

    # A worker takes the job: the page reloads into the writing step.
    ExportJob.objects.filter(pk=job.pk).update(status="exporting", rows_total=80_000)
    expect(page.locator(".job-progress-step")).to_contain_text("Writing the rows", timeout=10_000)
    # Its progress writes move the bar, without a reload.
    ExportJob.objects.filter(pk=job.pk).update(rows_done=20_000)
    expect(page.locator("#job-progress .progress-bar")).to_have_text("25%", timeout=10_000)
    expect(page.locator(".job-progress-rows")).to_have_text("20,000 of 80,000 rows")
    expect(page.locator(".job-status")).to_have_text("Exporting")

    name = export_storage().save("exports/e2e.csv", ContentFile(b"sku\nA\n"))
    ExportJob.objects.filter(pk=job.pk).update(status="done", file=name, rows_done=80_000)
    download_link = page.get_by_role("link", name="Download products.csv")
    expect(download_link).to_be_visible(timeout=10_000)
    expect(page.locator("#job-progress")).to_have_count(0)
    with page.expect_download() as download:
        download_link.click()
    assert download.value.path().read_bytes() == b"sku\nA\n"


def test_cancel_stops_a_running_export_from_its_page(page, exporter):
    job = ExportJobFactory(created_by=exporter, status="exporting", rows_total=1000)
    page.goto(reverse("admin:jobs_exportjob_change", args=[job.pk]))

    page.get_by_role("button", name="Cancel this export").click()

    expect(page.locator(".alert-success, .messagelist")).to_contain_text(
        re.compile("cancelled"), timeout=10_000
    )
    assert ExportJob.objects.get(pk=job.pk).status == "cancelled"
    expect(page.get_by_role("button", name="Cancel this export")).to_have_count(0)
