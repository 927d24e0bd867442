"""The admin site builds its app list once per permission set and hands out independent
copies."""

from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse

from backoffice import fragments


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["admin:index", "admin:catalog_product_changelist"])
def test_app_list_is_built_once_per_permission_set(superuser_client, url_name):
    fragments.clear()
    with mock.patch.object(
        AdminSite, "_build_app_dict", autospec=True, side_effect=AdminSite._build_app_dict
    ) as build:
        assert superuser_client.get(reverse(url_name)).status_code == 200
        assert build.call_count == 1
        assert superuser_client.get(reverse(url_name)).status_code == 200
        assert build.call_count == 1


@pytest.mark.django_db
def test_each_caller_gets_its_own_copy(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    first = admin.site.get_app_list(request)
    first[0]["models"][0]["name"] = "edited"
    first[0]["name"] = "edited"
    second = admin.site.get_app_list(request)
    assert second[0]["name"] != "edited"
    assert second[0]["models"][0]["name"] != "edited"


@pytest.mark.django_db
def test_the_next_request_sees_a_new_permission(admin_client_for):
    client = admin_client_for("Editors")
    add_url = reverse("admin:catalog_product_add")
    assert add_url not in client.get(reverse("admin:index")).content.decode()
    client.user.user_permissions.add(
        Permission.objects.get(codename="add_product", content_type__app_label="catalog")
    )
    assert add_url in client.get(reverse("admin:index")).content.decode()
