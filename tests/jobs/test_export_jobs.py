"""Exports above BACKOFFICE_EXPORT_JOB_MIN_ROWS run as jobs and are offered for download;
below it they stay streamed (the same file either way)."""

import pytest
from django.urls import reverse

from backoffice.kit.jobs.models import ExportJob
from tests.catalog.test_export import PRODUCT_COLUMNS, XLSX_FORMAT, body, csv_rows, export_post
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def products():
    return [ProductFactory(sku=f"EXP-{n}", stock=n) for n in range(6)]


def test_an_export_below_the_threshold_is_streamed(settings, admin_client_for, products):
    settings.BACKOFFICE_EXPORT_JOB_MIN_ROWS = 6
    client = admin_client_for("Viewers")
    response = export_post(client, "catalog_product", "productresource", PRODUCT_COLUMNS)
    assert response.streaming
    assert len(csv_rows(response)) == 7
    assert not ExportJob.objects.exists()


def test_an_export_above_the_threshold_becomes_a_job_with_the_same_file(
    settings, admin_client_for, products
):
    client = admin_client_for("Viewers")
    streamed = csv_rows(export_post(client, "catalog_product", "productresource", PRODUCT_COLUMNS))
    settings.BACKOFFICE_EXPORT_JOB_MIN_ROWS = 5

    response = export_post(client, "catalog_product", "productresource", PRODUCT_COLUMNS)

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:jobs_exportjob_change", args=[job.pk])
    assert (job.status, job.created_by, job.rows_total) == ("done", client.user, 6)
    page = client.get(response.url)
    assert "Download" in page.content.decode()
    download = client.get(reverse("admin:jobs_exportjob_download", args=[job.pk]))
    assert download.status_code == 200
    assert csv_rows(download) == streamed
    assert job.file_name in download["Content-Disposition"]


def test_an_export_job_keeps_the_lists_filters_and_the_selected_rows(
    settings, admin_client_for, products
):
    settings.BACKOFFICE_EXPORT_JOB_MIN_ROWS = 1
    client = admin_client_for("Viewers")
    export_post(client, "catalog_product", "productresource", ["sku"], query="?stock_state=low")
    job = ExportJob.objects.get()
    download = client.get(reverse("admin:jobs_exportjob_download", args=[job.pk]))
    skus = [row[0] for row in csv_rows(download)]
    assert skus == ["sku", "EXP-1", "EXP-2", "EXP-3", "EXP-4"]  # low, not out of stock

    chosen = [products[5].pk, products[0].pk]
    export_post(client, "catalog_product", "productresource", ["sku"], export_items=chosen)
    job = ExportJob.objects.latest("pk")
    download = client.get(reverse("admin:jobs_exportjob_download", args=[job.pk]))
    assert sorted(row[0] for row in csv_rows(download)[1:]) == ["EXP-0", "EXP-5"]


def test_an_xlsx_export_job(settings, admin_client_for, products):
    from io import BytesIO

    from openpyxl import load_workbook

    settings.BACKOFFICE_EXPORT_JOB_MIN_ROWS = 1
    client = admin_client_for("Viewers")
    export_post(client, "catalog_product", "productresource", ["sku"], file_format=XLSX_FORMAT)
    job = ExportJob.objects.get()
    download = client.get(reverse("admin:jobs_exportjob_download", args=[job.pk]))
    sheet = load_workbook(BytesIO(body(download))).worksheets[0]
    assert [row[0] for row in sheet.iter_rows(values_only=True)][:2] == ["sku", "EXP-0"]
