"""Every list search box of the project's admins says what it searches: Articles, Users and
Account events had a blank box, so staff guessed whether a search by slug or email works."""

import pytest
from django.contrib import admin
from django.urls import reverse

PROJECT_PACKAGES = ("backoffice", "catalog", "alerts")


def project_admins_with_search():
    return [
        model_admin
        for model_admin in admin.site._registry.values()
        if model_admin.__module__.startswith(PROJECT_PACKAGES) and model_admin.search_fields
    ]


@pytest.mark.parametrize("model_admin", project_admins_with_search(), ids=str)
def test_the_search_box_says_what_it_searches(model_admin):
    assert model_admin.search_help_text, f"{model_admin} has a search box without a hint"


@pytest.mark.django_db
def test_the_article_search_box_shows_its_hint(admin_client_for):
    html = admin_client_for("Editors").get(reverse("admin:catalog_article_changelist"))
    assert 'placeholder="Search by title or slug."' in html.content.decode()
