"""The admin's menus as each role sees them, rendered by jazzmin itself and cached under a key
of whatever they are drawn from: permission changes, a renamed user, a changed setting and the
open-alert badge show on the next page (docs/architecture.md#rendering).
"""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import Client
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
    assert "Renamed shop" not in superuser_client.get(INDEX).content.decode()
    settings.JAZZMIN_SETTINGS = {**settings.JAZZMIN_SETTINGS, "site_brand": "Renamed shop"}
    assert "Renamed shop" in superuser_client.get(INDEX).content.decode()


def side_menu_user(html: str) -> str:
    panel = html[html.index('class="user-panel') : html.index('id="jazzy-navigation"')]
    return re.search(r'class="d-block[^"]*">([^<]+)<', panel).group(1)


def test_the_menus_are_drawn_once_then_served_from_the_cache(
    superuser_client, django_assert_num_queries
):
    # Drawing them lists a superuser's permissions (jazzmin's top and user menus): 2 queries
    # that a page served from the cache does not make; the markup is the same.
    with django_assert_num_queries(7):
        first = superuser_client.get(PRODUCTS).content.decode()
    with django_assert_num_queries(5):
        second = superuser_client.get(PRODUCTS).content.decode()
    for part in (side_menu_links, top_menu_links, side_menu_user):
        assert part(first) == part(second)

    def menus(html: str) -> str:
        html = html[html.index('id="jazzy-navbar"') : html.index("</aside>")]
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert PRODUCTS in menus(first)
    assert menus(first) == menus(second)


def test_users_of_the_same_role_each_see_their_own_name(admin_client_for):
    first = admin_client_for("Editors", username="ann")
    second = admin_client_for("Editors", username="bob")
    for _ in range(2):  # the second time from the cache
        assert side_menu_user(first.get(INDEX).content.decode()) == "ann"
        assert side_menu_user(second.get(INDEX).content.decode()) == "bob"


def test_a_renamed_user_sees_the_new_name_on_the_next_page(admin_client_for):
    client = admin_client_for("Editors", username="ann")
    assert side_menu_user(client.get(INDEX).content.decode()) == "ann"
    type(client.user).objects.filter(pk=client.user.pk).update(username="annette")
    assert side_menu_user(client.get(INDEX).content.decode()) == "annette"


def test_a_superuser_who_becomes_an_editor_loses_the_entries_on_the_next_page(
    superuser_client,
):
    users = reverse("admin:auth_user_changelist")
    assert users in side_menu_links(superuser_client.get(INDEX).content.decode())
    user = superuser_client.user
    user.is_superuser = False
    user.save()
    user.groups.set(Group.objects.filter(name="Editors"))
    html = superuser_client.get(INDEX).content.decode()
    assert users not in side_menu_links(html)
    assert reverse("admin:catalog_article_changelist") in side_menu_links(html)


def test_logging_out_works_from_a_page_whose_menus_came_from_the_cache(superuser):
    """The logout form and its CSRF token stay outside the cached menus: each session's page
    carries its own token, valid for that session only."""
    sessions = [Client(enforce_csrf_checks=True) for _ in range(2)]
    tokens = []
    for client in sessions:
        client.force_login(superuser)
        client.get(INDEX)
        html = client.get(INDEX).content.decode()  # the menus from the cache
        logout = html[html.index('id="logout-form"') :]
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', logout).group(1))
    first, second = sessions
    # The other session's token is refused; its own is taken.
    assert (
        first.post(reverse("admin:logout"), {"csrfmiddlewaretoken": tokens[1]}).status_code == 403
    )
    assert (
        first.post(reverse("admin:logout"), {"csrfmiddlewaretoken": tokens[0]}).status_code == 200
    )
    assert first.get(INDEX).status_code == 302  # logged out
    assert second.get(INDEX).status_code == 200  # still logged in


def test_anonymous_pages_have_no_menu_key(rf):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get(reverse("admin:login"))
    request.user = AnonymousUser()
    assert "menu_cache_key" not in admin.site.each_context(request)


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


def test_the_account_events_link_follows_a_granted_permission_on_the_next_page(
    admin_client_for,
):
    # jazzmin's "Account events" link under "Staff and roles" is a custom link: it asks
    # accounts.view_accountevent itself, and the menus' key must follow that permission.
    client = admin_client_for("User admins")
    events = reverse("admin:accounts_accountevent_changelist")
    assert events not in side_menu_links(client.get(INDEX).content.decode())
    client.user.user_permissions.add(
        Permission.objects.get(codename="view_accountevent", content_type__app_label="accounts")
    )
    assert events in side_menu_links(client.get(INDEX).content.decode())
