"""backoffice.admin_urls.admin_change_url gives what reverse() gives."""

import sys
import types

import pytest
from django.contrib import admin
from django.test import override_settings
from django.urls import clear_script_prefix, path, reverse, set_script_prefix

from backoffice.admin_urls import admin_change_url, object_url


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
