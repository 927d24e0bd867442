"""Jobs run with their author's rights, judged again when a worker runs them
(backoffice/kit/jobs/rules.py, job_author_refusal): an author whose account is gone or
inactive, or whose role no longer lets them import (add and change) or export (view) the
model, gets nothing written. Before, a deleted author left created_by NULL, which the
importer took for a command-line job with full rights (a User admin's queued user import
then ran unchecked), and an export or import whose author lost the role ran anyway. An
export's file is offered only while its reader may view the model."""

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from backoffice.kit.jobs.exports import export_job_run
from backoffice.kit.jobs.imports import import_job_run
from backoffice.kit.jobs.models import ExportJob, ImportJob
from catalog.models import Product
from tests.catalog.importing import csv_bytes
from tests.factories import ProductFactory, UserFactory
from tests.jobs.factories import ExportJobFactory, ImportJobFactory
from tests.jobs.test_import_jobs import ROWS, stored

pytestmark = pytest.mark.django_db


def importing_job(
    author, content: bytes, model=Product, importer="catalog.importers.ProductImporter"
):
    return ImportJobFactory(
        created_by=author,
        upload=stored(content),
        status=ImportJob.Status.IMPORTING,
        content_type=ContentType.objects.get_for_model(model),
        importer=importer,
    )


def test_a_user_import_whose_author_was_deleted_does_not_run_with_full_rights():
    author = UserFactory(username="ua", groups=["User admins"])
    job = importing_job(
        author,
        csv_bytes("username,groups", "newadmin,User admins"),
        model=User,
        importer="backoffice.accounts.importers.UserImporter",
    )
    author.delete()  # created_by becomes NULL before the worker runs

    import_job_run(job_id=job.pk)

    assert not Group.objects.get(name="User admins").user_set.filter(username="newadmin").exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED


@pytest.mark.parametrize("change", ["role removed", "deactivated", "staff status removed"])
def test_an_author_who_may_no_longer_import_gets_nothing_written(change):
    author = UserFactory(username="inv", groups=["Inventory managers"])
    job = importing_job(author, csv_bytes(*ROWS))
    if change == "deactivated":
        User.objects.filter(pk=author.pk).update(is_active=False)
    elif change == "staff status removed":
        # Still in the role, so has_perm says yes; the admin would not let them in.
        User.objects.filter(pk=author.pk).update(is_staff=False)
    else:
        author.groups.clear()

    import_job_run(job_id=job.pk)

    assert not Product.objects.exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "nothing was written" in job.message


def test_the_download_needs_the_view_permission_still(admin_client_for):
    client = admin_client_for("Viewers")
    job = ExportJobFactory(created_by=client.user, done=True)
    url = reverse("admin:jobs_exportjob_download", args=[job.pk])
    assert client.get(url).status_code == 200

    client.user.groups.clear()  # the Viewers role is taken away

    assert client.get(url).status_code in (403, 404)


@pytest.mark.parametrize("change", ["role removed", "deactivated"])
def test_the_worker_exports_nothing_for_an_author_who_may_no_longer_view(change):
    ProductFactory(sku="SECRET-1")
    author = UserFactory(username="viewer", groups=["Viewers"])
    job = ExportJobFactory(created_by=author)
    if change == "deactivated":
        User.objects.filter(pk=author.pk).update(is_active=False)
    else:
        author.groups.clear()

    export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.file) == (ExportJob.Status.FAILED, "")
    assert job.message.endswith("nothing was written.")


def test_an_author_who_still_may_gets_the_import_and_the_export():
    author = UserFactory(username="inv", groups=["Inventory managers"])
    job = importing_job(author, csv_bytes(*ROWS))
    import_job_run(job_id=job.pk)
    assert Product.objects.count() == 2
    export = ExportJobFactory(created_by=author)
    export_job_run(job_id=export.pk)
    export.refresh_from_db()
    assert export.status == ExportJob.Status.DONE
