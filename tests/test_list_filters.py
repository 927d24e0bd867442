"""backoffice.kit.list_filters: the same filter choices as Django's, read from an index."""

import pytest
from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.test import RequestFactory

from alerts.models import DeletionRecord
from backoffice.kit.list_filters import IndexedRelatedOnlyFieldListFilter, distinct_values
from catalog.models import Article
from tests.factories import ArticleFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(superuser):
    for username in ("zoe", "ada", "mia"):
        UserFactory(username=username)
    for author in ("zoe", "ada", "zoe"):
        ArticleFactory(author=UserFactory._meta.model.objects.get(username=author))
    ArticleFactory(author=None)
    ProductFactory().delete()  # a record by nobody ("")
    ArticleFactory().delete()
    DeletionRecord.objects.update(deleted_by_username="")
    DeletionRecord.objects.filter(pk=DeletionRecord.objects.order_by("pk").first().pk).update(
        deleted_by_username="mia"
    )


def choices(filter_class, model, field_path: str, user) -> list:
    request = RequestFactory().get("/")
    request.user = user
    model_admin = admin.site.get_model_admin(model)
    field = model._meta.get_field(field_path)
    list_filter = filter_class(field, request, {}, model, model_admin, field_path)
    return list_filter.lookup_choices


@pytest.mark.parametrize(
    ("model", "field"), [(Article, "author"), (DeletionRecord, "content_type")]
)
def test_the_choices_are_django_s(records, superuser, model, field, django_assert_num_queries):
    expected = choices(RelatedOnlyFieldListFilter, model, field, superuser)
    assert len(expected) >= 2
    with django_assert_num_queries(1):  # as Django's: one query
        assert choices(IndexedRelatedOnlyFieldListFilter, model, field, superuser) == expected


def test_distinct_values_are_sorted_and_keep_the_empty_string(records):
    assert distinct_values(DeletionRecord, "deleted_by_username") == ["", "mia"]
    authors = distinct_values(Article, "author")  # NULL is not a value
    assert authors == sorted({article.author_id for article in Article.objects.all()} - {None})


def test_the_deletion_list_offers_each_username_once(records, superuser_client):
    response = superuser_client.get("/admin/alerts/deletionrecord/")
    [deleted_by] = [
        spec for spec in response.context["cl"].filter_specs if spec.title == "deleted by"
    ]
    assert deleted_by.lookup_choices == [("-", "System (shell, commands)"), ("mia", "mia")]
