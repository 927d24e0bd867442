"""backoffice.kit.admin_urls gives what reverse() gives: admin_change_url, object_url and the
changelists' row links (ObjectUrlChangeList)."""

import sys
import types

import pytest
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.test import override_settings
from django.urls import clear_script_prefix, path, reverse, set_script_prefix

from backoffice.kit.admin_urls import ObjectUrlChangeList, admin_change_url, object_url
from tests.factories import ArticleFactory, ProductFactory


@pytest.mark.parametrize("pk", [1, 42, 10**12])
@pytest.mark.parametrize(("app_label", "model_name"), [("catalog", "product"), ("auth", "user")])
def test_same_url_as_reverse(app_label, model_name, pk):
    expected = reverse(f"admin:{app_label}_{model_name}_change", args=[pk])
    assert admin_change_url(app_label, model_name, pk) == expected


def test_follows_the_script_prefix():
    before = admin_change_url("catalog", "product", 7)
    set_script_prefix("/shop/")
    try:
        assert admin_change_url("catalog", "product", 7) == "/shop" + before
        assert admin_change_url("catalog", "product", 7) == reverse(
            "admin:catalog_product_change", args=[7]
        )
    finally:
        clear_script_prefix()
    assert admin_change_url("catalog", "product", 7) == before


def test_follows_a_changed_urlconf():
    urls = types.ModuleType("tests_moved_admin_urls")
    urls.urlpatterns = [path("elsewhere/", admin.site.urls)]
    sys.modules[urls.__name__] = urls
    try:
        with override_settings(ROOT_URLCONF=urls.__name__):
            assert (
                admin_change_url("catalog", "product", 7) == "/elsewhere/catalog/product/7/change/"
            )
    finally:
        del sys.modules[urls.__name__]
    assert admin_change_url("catalog", "product", 7) == reverse(
        "admin:catalog_product_change", args=[7]
    )


@pytest.mark.parametrize(
    "viewname",
    ["admin:alerts_stockalert_acknowledge", "admin:alerts_deletionrecord_restore"],
)
def test_object_url_for_other_object_views(viewname):
    assert object_url(viewname)(31) == reverse(viewname, args=[31])


LISTS_LINKED_BY_OBJECT_URL = [
    "admin:catalog_product_changelist",
    "admin:catalog_article_changelist",
    "admin:alerts_stockalert_changelist",
    "admin:alerts_deletionrecord_changelist",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", LISTS_LINKED_BY_OBJECT_URL)
def test_a_changelists_row_links_are_djangos(superuser_client, url_name):
    product = ProductFactory(stock=0)  # a product, its stock alert
    ArticleFactory()
    ProductFactory().delete()  # a deletion record
    response = superuser_client.get(reverse(url_name), {"o": "1"})  # filters to preserve
    cl = response.context["cl"]
    assert isinstance(cl, ObjectUrlChangeList)
    assert cl.result_list
    for result in cl.result_list:
        assert cl.url_for_result(result) == ChangeList.url_for_result(cl, result)
    if url_name == "admin:catalog_product_changelist":
        expected = reverse("admin:catalog_product_change", args=[product.pk])
        assert f'href="{expected}?_changelist_filters=o%3D1"' in response.content.decode()


@pytest.mark.django_db
def test_a_pk_that_is_not_an_integer_goes_through_reverse(superuser_client):
    cl = superuser_client.get(reverse("admin:catalog_product_changelist")).context["cl"]
    result = types.SimpleNamespace(**{cl.pk_attname: "a/b_c"})
    assert cl.url_for_result(result) == ChangeList.url_for_result(cl, result)
    assert cl.url_for_result(result).endswith("/a_2Fb_5Fc/change/")
