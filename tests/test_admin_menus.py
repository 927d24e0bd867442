"""The admin's menus as each role sees them, rendered by jazzmin itself on every request:
permission changes and the open-alert badge show on the next page (docs/architecture.md#rendering).
"""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from jazzmin.templatetags import jazzmin as jazzmin_tags

from tests.conftest import ROLES
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
PRODUCTS = reverse("admin:catalog_product_changelist")


def side_menu_links(html: str) -> set[str]:
    start = html.index('id="jazzy-navigation"')
    nav = html[start : html.index("</nav>", start)]
    return set(re.findall(r'href="([^"]+)"', nav)) - {INDEX}


def top_menu_links(html: str) -> set[str]:
    navbar = html[html.index('id="jazzy-navbar"') : html.index('id="jazzy-sidebar"')]
    return set(re.findall(r'<a href="([^"]+)" class="nav-link"', navbar)) - {INDEX}


# Every staff user has the job lists; each holds only the jobs that user may see
# (backoffice/kit/jobs/rules.py), so they need no model permission.
JOB_LISTS = {"/admin/jobs/importjob/", "/admin/jobs/exportjob/"}


def changelists_viewable_by(user) -> set[str]:
    """The changelist URL of every registered model the user may view or change, and the
    job lists."""
    urls = set(JOB_LISTS)
    for model in admin.site._registry:
        label = f"{model._meta.app_label}.{{}}_{model._meta.model_name}"
        if user.has_perm(label.format("view")) or user.has_perm(label.format("change")):
            urls.add(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    return urls


@pytest.mark.parametrize("role", [*ROLES, None, "superuser"])
def test_each_role_sees_the_lists_it_may_open(admin_client_for, role):
    if role == "superuser":
        client = admin_client_for(None, username="root", is_superuser=True)
    else:
        client = admin_client_for(role)
    html = client.get(INDEX).content.decode()
    assert side_menu_links(html) == changelists_viewable_by(client.user)
    # The top menu links the products and articles lists, to those who may open them.
    expected_top = {
        reverse(f"admin:catalog_{name}_changelist")
        for name in ("product", "article")
        if client.user.has_perm(f"catalog.view_{name}")
        or client.user.has_perm(f"catalog.change_{name}")
    }
    assert top_menu_links(html) == expected_top


def test_a_granted_permission_shows_on_the_next_request(admin_client_for):
    client = admin_client_for("Editors")
    add_url = reverse("admin:catalog_product_add")
    # The dashboard has no app list of its own: the product list's "Add" button shows it.
    products = reverse("admin:catalog_product_changelist")
    assert add_url not in client.get(products).content.decode()
    client.user.user_permissions.add(
        Permission.objects.get(codename="add_product", content_type__app_label="catalog")
    )
    assert add_url in client.get(products).content.decode()


def test_a_removed_permission_hides_the_menu_entries_on_the_next_request(admin_client_for):
    client = admin_client_for("Viewers")
    # A group of its own, so the change touches this user only.
    group = Group.objects.create(name="Product viewers")
    group.permissions.add(Permission.objects.get(codename="view_product"))
    client.user.groups.set([group])
    html = client.get(INDEX).content.decode()
    assert PRODUCTS in side_menu_links(html)
    assert PRODUCTS in top_menu_links(html)
    group.permissions.clear()
    html = client.get(INDEX).content.decode()
    assert PRODUCTS not in side_menu_links(html)
    assert PRODUCTS not in top_menu_links(html)


def test_the_badge_follows_the_open_alerts_from_one_page_to_the_next(admin_client_for):
    client = admin_client_for("Viewers")
    assert "data-open-alerts" not in client.get(PRODUCTS).content.decode()
    ProductFactory(stock=0)
    assert 'data-open-alerts="1">1</span>' in client.get(PRODUCTS).content.decode()
    ProductFactory(stock=1)
    html = client.get(PRODUCTS).content.decode()
    nav = html[html.index('id="jazzy-navigation"') :]
    assert 'Stock alerts <span class="badge' in nav
    assert 'data-open-alerts="2">2</span>' in nav


def test_the_pages_show_a_changed_jazzmin_setting(superuser_client, settings):
    settings.JAZZMIN_SETTINGS = {**settings.JAZZMIN_SETTINGS, "site_brand": "Renamed shop"}
    assert "Renamed shop" in superuser_client.get(INDEX).content.decode()


def test_jazzmins_template_tags_are_jazzmins_own():
    """No run-time patch: every tag in jazzmin's library is the function jazzmin defines."""
    for name, compile_function in jazzmin_tags.register.tags.items():
        assert compile_function.__module__ == jazzmin_tags.__name__, name


def test_every_model_in_the_side_menu_has_its_own_icon(superuser_client):
    # jazzmin draws a model without one as a bare circle ("Stock movements" had it).
    html = superuser_client.get(INDEX).content.decode()
    start = html.index('id="jazzy-navigation"')
    nav = html[start : html.index("</nav>", start)]
    assert "Stock movements" in nav
    assert "fa-circle" not in nav
