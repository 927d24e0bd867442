"""Issue 17, item 7: the top bar's search boxes only for lists the user may open, and 400,
403, 404 and 500 pages in the admin's look (backoffice/errors.py, backoffice/templates/)."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from tests.conftest import ROLES

INDEX = reverse("admin:index")
SEARCHABLE = {
    reverse("admin:catalog_product_changelist"): "catalog.view_product",
    reverse("admin:catalog_article_changelist"): "catalog.view_article",
}


def top_bar_searches(html: str) -> list[str]:
    navbar = html[html.index('id="jazzy-navbar"') : html.index("</nav>")]
    return re.findall(r'<form action="([^"]+)" method="GET"', navbar)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*ROLES, None, "superuser"])
def test_the_top_bar_searches_only_lists_the_user_may_open(admin_client_for, role):
    if role == "superuser":
        client = admin_client_for(None, username="root", is_superuser=True)
    else:
        client = admin_client_for(role)
    searches = top_bar_searches(client.get(INDEX).content.decode())
    expected = [url for url, perm in SEARCHABLE.items() if client.user.has_perm(perm)]
    assert searches == expected
    for url in searches:  # each box leads to a list the user may open
        assert client.get(url, {"q": "tea"}).status_code == 200


@pytest.mark.django_db
def test_a_user_admin_has_no_search_box_that_leads_to_a_403(admin_client_for):
    client = admin_client_for("User admins")
    html = client.get(INDEX).content.decode()
    assert top_bar_searches(html) == []
    assert "Search Products" not in html


@pytest.mark.django_db
def test_403_is_in_the_admins_frame_not_a_bare_forbidden(admin_client_for):
    client = admin_client_for("User admins")
    response = client.get(reverse("admin:catalog_product_changelist"))
    html = response.content.decode()
    assert response.status_code == 403
    # Issue 17, item 7: the box 'lead[s] to a bare "403 Forbidden"'.
    assert "403 Forbidden" not in html
    assert 'data-status="403"' in html
    assert "You may not open this page" in html
    assert 'id="jazzy-navigation"' in html  # the side menu: the way on
    assert reverse("admin:auth_user_changelist") in html


@pytest.mark.django_db
def test_404_for_staff_is_in_the_admins_frame(admin_client_for):
    client = admin_client_for("Viewers")
    for url in ["/admin/no-such-page/", "/no-such-page"]:
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 404, url
        assert 'data-status="404"' in html
        assert '<h3 class="mb-0">Page not found</h3>' in html
        assert 'id="jazzy-navigation"' in html
        assert top_bar_searches(html) == list(SEARCHABLE)


@pytest.mark.django_db
def test_404_for_anyone_else_is_in_the_login_box(client, admin_client_for):
    html = client.get("/no-such-page").content.decode()
    assert 'class="login-box"' in html
    assert 'data-status="404"' in html
    assert 'id="jazzy-navigation"' not in html
    assert ">Log in<" in html
    # A logged-in account that is not staff gets the same box, not the admin's menus.
    no_staff = admin_client_for(None, username="shopper", is_staff=False)
    html = no_staff.get("/no-such-page").content.decode()
    assert 'class="login-box"' in html
    assert 'id="jazzy-navigation"' not in html


@pytest.mark.django_db
def test_400_is_in_the_admins_frame(superuser_client):
    response = superuser_client.get(
        reverse("admin:catalog_product_export") + "?is_active__exact=maybe"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-status="400"' in html
    assert "Bad request" in html


def test_500_renders_without_a_request_or_the_database():
    # No django_db mark: any query here fails the test.
    html = render_to_string("500.html")
    assert 'data-status="500"' in html
    assert "Something went wrong on our side" in html
    assert 'href="/static/backoffice/backoffice.css"' in html
    assert 'href="/admin/"' in html
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b'data-status="500"' in response.content


@pytest.mark.django_db
def test_a_bad_host_header_gets_the_400_page_without_a_user(client):
    # Refused before the authentication middleware ran: no request.user.
    response = client.get("/admin/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-status="400"' in html
    assert 'class="login-box"' in html
