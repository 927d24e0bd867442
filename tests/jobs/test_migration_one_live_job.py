"""Migration jobs/0005: before one live job per upload became the database's rule, a double
post of the mapping step could start two jobs on one upload. Its data step keeps the oldest
live job of each upload and fails the others with a reason; the constraint is built after."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from backoffice.kit.jobs.models import ImportJob
from catalog.models import Product
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("backoffice.kit.jobs.migrations.0005_one_live_job_per_upload")
# The data step reads the database through its schema editor's connection only.
SCHEMA_EDITOR = SimpleNamespace(connection=connection)
CONSTRAINT = "importjob_one_live_job_per_upload"


def job(upload: str, status: str) -> ImportJob:
    return ImportJob.objects.create(
        created_by=UserFactory(),
        content_type=ContentType.objects.get_for_model(Product),
        importer="catalog.importers.ProductImporter",
        upload=upload,
        file_name="stock.csv",
        status=status,
    )


def test_the_data_step_keeps_the_oldest_live_job_of_an_upload_and_fails_its_twins():
    # As before the migration: without the constraint (DDL is transactional on both
    # databases, so the test's rollback restores it).
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX "{CONSTRAINT}"')
    first = job("a" * 32, "ready")
    twin = job("a" * 32, "queued")
    late_twin = job("a" * 32, "importing")
    done_before = job("a" * 32, "done")
    other = job("b" * 32, "validating")
    no_upload = [job("", "queued"), job("", "queued")]

    migration.fail_twin_jobs(apps, SCHEMA_EDITOR)

    def status(instance: ImportJob) -> str:
        instance.refresh_from_db()
        return instance.status

    assert [status(first), status(other), status(done_before)] == ["ready", "validating", "done"]
    assert [status(twin), status(late_twin)] == ["failed", "failed"]
    twin.refresh_from_db()
    assert twin.message == "A second job on the same upload: the first one goes on."
    assert [status(each) for each in no_upload] == ["queued", "queued"]
