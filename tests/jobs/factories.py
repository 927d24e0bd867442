"""Factories of import and export jobs (rows as a worker would leave them)."""

import factory
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from backoffice.kit.jobs.models import ExportJob, ImportJob
from catalog.models import Product
from tests.factories import UserFactory


class ImportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportJob

    # Workers run a job only for an author who still may (backoffice/kit/jobs/rules.py).
    created_by = factory.SubFactory(UserFactory, groups=["Inventory managers"])
    content_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(Product))
    importer = "catalog.importers.ProductImporter"
    file_name = factory.Sequence(lambda n: f"products-{n}.csv")
    file_size = 1234
    status = ImportJob.Status.QUEUED


class ExportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExportJob

    created_by = factory.SubFactory(UserFactory, groups=["Viewers"])
    content_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(Product))
    parameters = factory.LazyFunction(lambda: {"query": "", "format": 0, "resource": 0})
    file_name = "products.csv"
    status = ExportJob.Status.QUEUED

    class Params:
        # A finished export whose file is in default storage.
        done = factory.Trait(
            status=ExportJob.Status.DONE,
            file=factory.LazyFunction(
                lambda: default_storage.save("exports/test.csv", ContentFile(b"sku\nA\n"))
            ),
        )
