"""backoffice.jazzmin_tags: jazzmin's menus and settings, built cheaper, render the same.

Each tag is compared with jazzmin's own for users of every role, and so is the HTML of the
menus cached per permission set (backoffice.fragments); permissions and settings changes show
on the next request.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.template import Context
from django.test import Client, RequestFactory
from django.urls import reverse
from jazzmin.templatetags import jazzmin as jazzmin_tags

from backoffice import fragments
from backoffice import jazzmin_tags as backoffice_tags
from tests.conftest import ROLES
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
PRODUCTS = reverse("admin:catalog_product_changelist")


def admin_context(user) -> Context:
    """What the admin puts in the context of its index page for this user."""
    request = RequestFactory().get(INDEX)
    request.user = user
    context = admin.site.each_context(request)
    return Context({**context, "app_list": admin.site.get_app_list(request), "user": user})


@pytest.fixture(params=[*ROLES, None, "superuser"])
def user(request):
    if request.param == "superuser":
        return UserFactory(username="root", is_superuser=True)
    return UserFactory(groups=[request.param] if request.param else [])


def test_jazzmins_templates_use_these_tags(superuser_client, monkeypatch):
    assert superuser_client.get(INDEX).status_code == 200  # builds the settings once

    def rebuilt():
        raise AssertionError("jazzmin rebuilt its settings")

    monkeypatch.setattr(jazzmin_tags, "get_settings", rebuilt)
    assert superuser_client.get(INDEX).status_code == 200


@pytest.mark.parametrize("using", ["available_apps", "app_list"])
def test_the_side_menu_is_jazzmins(user, using):
    ours = backoffice_tags.get_side_menu(admin_context(user), using)
    assert ours == jazzmin_tags.get_side_menu(admin_context(user), using)
    assert ours or not user.is_superuser


def test_the_side_menu_leaves_the_context_as_it_was(user):
    context = admin_context(user)
    before = repr(context["available_apps"])
    backoffice_tags.get_side_menu(context)
    assert repr(context["available_apps"]) == before


def test_the_top_and_user_menus_are_jazzmins(user):
    assert backoffice_tags.get_top_menu(user) == jazzmin_tags.get_top_menu(user)
    assert backoffice_tags.get_user_menu(user) == jazzmin_tags.get_user_menu(user)


def test_app_and_permission_links_decide_as_jazzmin_does(settings):
    links = [
        {"app": "catalog"},
        {"app": "auth"},
        {"name": "Products", "url": "admin:catalog_product_changelist"},
        {"name": "Users", "url": "/admin/auth/user/", "permissions": ["auth.view_user"]},
        {"model": "alerts.StockAlert"},
    ]
    settings.JAZZMIN_SETTINGS = {**settings.JAZZMIN_SETTINGS, "topmenu_links": links}
    for role in [*ROLES, None]:
        user = UserFactory(groups=[role] if role else [])
        assert backoffice_tags.get_top_menu(user) == jazzmin_tags.get_top_menu(user), role


def test_the_settings_are_jazzmins_and_follow_a_settings_change(settings):
    assert backoffice_tags.get_jazzmin_settings(None) == jazzmin_tags.get_jazzmin_settings(None)
    assert backoffice_tags.get_jazzmin_ui_tweaks() == jazzmin_tags.get_jazzmin_ui_tweaks()
    settings.JAZZMIN_SETTINGS = {**settings.JAZZMIN_SETTINGS, "site_brand": "Renamed"}
    assert backoffice_tags.get_jazzmin_settings(None)["site_brand"] == "Renamed"


def test_the_settings_are_built_once(monkeypatch):
    backoffice_tags.jazzmin_settings()
    monkeypatch.setattr(jazzmin_tags, "get_jazzmin_settings", pytest.fail)
    assert backoffice_tags.jazzmin_settings()["site_brand"] == "Backoffice"


def test_the_pages_show_the_renamed_brand(superuser_client, settings):
    settings.JAZZMIN_SETTINGS = {**settings.JAZZMIN_SETTINGS, "site_brand": "Renamed shop"}
    assert "Renamed shop" in superuser_client.get(INDEX).content.decode()


def test_a_removed_permission_hides_the_menu_entries_on_the_next_request(admin_client_for):
    client = admin_client_for("Viewers")
    # A group of its own, so the change touches this user only.
    group = Group.objects.create(name="Product viewers")
    group.permissions.add(Permission.objects.get(codename="view_product"))
    client.user.groups.set([group])

    def menus() -> tuple[str, str]:
        html = client.get(INDEX).content.decode()
        top = html[html.index('id="jazzy-navbar"') : html.index('id="jazzy-sidebar"')]
        side = html[html.index('id="jazzy-navigation"') :]
        return top, side

    top, side = menus()
    assert f'href="{PRODUCTS}"' in top and f'href="{PRODUCTS}"' in side
    group.permissions.clear()
    top, side = menus()
    assert f'href="{PRODUCTS}"' not in top and f'href="{PRODUCTS}"' not in side


def menus_html(html: str) -> tuple[str, str]:
    """The side menu's <nav> and the dashboard's app list, whitespace aside."""
    nav = html[
        html.index('<nav class="mt-2">') : html.index("</nav>", html.index('<nav class="mt-2">'))
    ]
    app_list = html[
        html.index('<div class="col-lg-9 col-12">') : html.index('<div class="col-lg-3 col-12">')
    ]
    return " ".join(nav.split()), " ".join(app_list.split())


def test_the_cached_menus_are_jazzmins(user, settings):
    ProductFactory(stock=0)  # an open alert: the badge is in the side menu
    client = Client()
    client.force_login(user)
    ours = menus_html(client.get(INDEX).content.decode())
    # Without the project's template directory, jazzmin's own admin/base_site.html and
    # admin/index.html render the page (the setting change clears the cache too).
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": []}]
    assert ours == menus_html(client.get(INDEX).content.decode())
    assert ("data-open-alerts" in ours[0]) == user.has_perm("alerts.view_stockalert")


def test_the_menus_are_rendered_once_per_permission_set(admin_client_for, monkeypatch):
    fragments.clear()
    rendered = []
    render = backoffice_tags._render
    monkeypatch.setattr(
        backoffice_tags,
        "_render",
        lambda *args, **kwargs: rendered.append(args[1]) or render(*args, **kwargs),
    )
    viewer = admin_client_for("Viewers", username="viewer")
    first = viewer.get(INDEX).content.decode()
    assert sorted(rendered) == ["backoffice/dashboard_app_list.html", "backoffice/side_menu.html"]
    # Another user with the same permissions gets the same HTML, not rendered again; the
    # badge in it counts the alerts of the moment.
    ProductFactory(stock=0)
    other = admin_client_for("Viewers", username="other-viewer").get(INDEX).content.decode()
    assert len(rendered) == 2
    assert 'data-open-alerts="1">1</span>' in other and "data-open-alerts" not in first
    assert menus_html(other)[1] == menus_html(first)[1]
    # Another permission set has menus of its own.
    admin_client_for("Editors").get(INDEX)
    assert len(rendered) == 4


def test_the_cache_key_is_the_permission_set():
    superuser = UserFactory(is_superuser=True)
    viewer, other_viewer, editor = (
        UserFactory(groups=[role]) for role in ["Viewers", "Viewers", "Editors"]
    )
    assert fragments.permission_key(viewer) == fragments.permission_key(other_viewer)
    assert fragments.permission_key(viewer) != fragments.permission_key(editor)
    assert fragments.permission_key(superuser) != fragments.permission_key(viewer)
    inactive = UserFactory(is_superuser=True, is_active=False)
    assert fragments.permission_key(inactive) == frozenset()
