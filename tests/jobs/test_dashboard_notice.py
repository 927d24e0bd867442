"""A finished import tells its author on the dashboard; the notice costs no query until
there is one to show (its count rides in the dashboard's one counting statement)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alerts.selectors import dashboard_get
from backoffice.kit.jobs.models import ImportJob
from tests.catalog.importing import csv_bytes, import_through_admin

pytestmark = pytest.mark.django_db


def test_the_author_sees_their_finished_import_and_nobody_else_does(admin_client_for):
    author = admin_client_for("Inventory managers", username="author")
    colleague = admin_client_for("Inventory managers", username="colleague")
    import_through_admin(
        author, "catalog_product", csv_bytes("sku,name,price,stock", "N-1,n,1,0"), "fruit.csv"
    )
    job = ImportJob.objects.get()

    page = author.get(reverse("admin:index")).content.decode()

    assert "Your import of <strong>fruit.csv</strong> finished: 1 new, 0 updated, 0 unchanged." in (
        page
    )
    assert f"/admin/catalog/product/import/?job={job.pk}" in page
    assert "Your import of" not in colleague.get(reverse("admin:index")).content.decode()


def test_a_failed_import_says_so_and_an_old_one_is_not_shown(admin_client_for):
    author = admin_client_for("Inventory managers", username="author")
    import_through_admin(
        author, "catalog_product", csv_bytes("sku,name,price,stock", "N-1,n,1,0"), "old.csv"
    )
    ImportJob.objects.update(finished_at=timezone.now() - timedelta(days=2))
    ImportJob.objects.create(
        created_by=author.user,
        content_type=ImportJob.objects.get().content_type,
        importer="catalog.importers.ProductImporter",
        file_name="broken.csv",
        status="failed",
        finished_at=timezone.now(),
    )
    page = author.get(reverse("admin:index")).content.decode()
    assert "Your import of <strong>broken.csv</strong> failed; nothing was written." in page
    assert "Your import of <strong>old.csv</strong>" not in page  # (Recent actions lists it)


def test_the_notice_adds_a_query_only_when_there_is_something_to_show(admin_client_for):
    author = admin_client_for("Inventory managers", username="author")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            dashboard_get(user=author.user)
        return len(captured)

    without_notice = queries()
    import_through_admin(author, "catalog_product", csv_bytes("sku,name,price,stock", "N-1,n,1,9"))
    author.user = type(author.user).objects.get(pk=author.user.pk)  # cold permission cache again
    assert queries() == without_notice + 1
    assert len(dashboard_get(user=author.user).finished_imports) == 1
