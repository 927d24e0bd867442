"""The side menu names sections for staff (issue 17, item 9): Django's auth is "Staff and
roles" (with the account events), django-axes "Login security" (backoffice/apps.py,
backoffice/settings/jazzmin.py); the pages' look fixes ship on every admin page."""

import re

import pytest
from django.apps import apps
from django.urls import reverse

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


def side_menu(html: str) -> list[tuple[str, list[str]]]:
    """[(section, [entry names])] as jazzmin's side menu shows them."""
    nav = html[
        html.index('id="jazzy-navigation"') : html.index(
            "</nav>", html.index('id="jazzy-navigation"')
        )
    ]
    sections = []
    for part in re.split(r'<li class="nav-header">', nav)[1:]:
        header, _, rest = part.partition("</li>")
        names = [re.sub(r"<[^>]+>", "", n).strip() for n in re.findall(r"<p>(.*?)</p>", rest)]
        sections.append((header.strip(), names))
    return sections


def test_the_project_app_keeps_its_own_config():
    # backoffice/apps.py holds three AppConfigs: "backoffice" must still get its own (its
    # ready() connects the session's idle timer at login).
    assert type(apps.get_app_config("backoffice")).__name__ == "BackofficeConfig"


def test_the_apps_carry_the_staff_names_and_keep_their_labels():
    assert apps.get_app_config("auth").verbose_name == "Staff and roles"
    assert apps.get_app_config("axes").verbose_name == "Login security"
    # Labels (permissions, URLs, tables) are unchanged.
    assert reverse("admin:auth_user_changelist") == "/admin/auth/user/"
    assert reverse("admin:axes_accessattempt_changelist") == "/admin/axes/accessattempt/"


def test_the_superusers_menu_names_each_section_once(superuser_client):
    html = superuser_client.get(INDEX).content.decode()
    sections = dict(side_menu(html))
    # Issue 17, item 9: 'truncates "Authentication and Authorizatio…" and shows "Axes"'.
    assert "Authentication and Authorization" not in html
    assert "Axes" not in sections
    assert [name for name, _ in side_menu(html)].count("Staff and roles") == 1
    assert sections["Staff and roles"] == ["Users", "Groups", "Account events"]
    assert sections["Login security"] == ["Access attempts", "Access failures", "Access logs"]


def test_a_user_admin_sees_staff_and_roles_without_the_account_events(admin_client_for):
    html = admin_client_for("User admins").get(INDEX).content.decode()
    sections = dict(side_menu(html))
    assert sections["Staff and roles"] == ["Users", "Groups"]
    assert "Login security" not in sections


def test_every_admin_page_loads_the_projects_fixes(admin_client_for):
    html = admin_client_for("Viewers").get(INDEX).content.decode()
    assert '<script src="/static/backoffice/backoffice.js"></script>' in html
    assert 'href="/static/backoffice/backoffice.css"' in html
