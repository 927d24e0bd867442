"""backoffice.widgets renders exactly what Django's widget templates render."""

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin import widgets as admin_widgets
from django.urls import reverse
from django.utils import html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from backoffice import widgets
from catalog.models import Product
from tests.factories import ProductFactory

ATTRS = [
    {},
    {"class": "action-select", "aria-label": mark_safe("Select &amp; <b>")},
    {"class": 'quote " and <tag> & amp', "required": True, "disabled": False, "min": 0},
    {"data-x": 3.5, "checked": True},
]
VALUES = [None, "", "plain", 'a "quoted" <tag> & value', 0, 42, mark_safe("<safe>")]


@pytest.mark.parametrize(
    ("python_widget", "django_widget"),
    [
        (widgets.HiddenInput, forms.HiddenInput),
        (widgets.CheckboxInput, forms.CheckboxInput),
        (widgets.AdminIntegerFieldWidget, admin_widgets.AdminIntegerFieldWidget),
    ],
)
@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("value", VALUES)
def test_same_html_as_the_template(python_widget, django_widget, attrs, value):
    expected = django_widget(attrs).render("field-name", value, attrs={"id": "id_x"})
    assert widgets.PythonRenderedInput not in django_widget.__mro__
    assert python_widget(attrs).render("field-name", value, attrs={"id": "id_x"}) == expected


def test_checked_checkbox_and_unchecked_one():
    for value in (True, False):
        expected = forms.CheckboxInput().render("c", value)
        assert widgets.CheckboxInput().render("c", value) == expected
    assert "checked" in widgets.CheckboxInput().render("c", True)


@pytest.mark.django_db
def test_product_list_rows_match_djangos_rendering(superuser_client):
    product = ProductFactory(name='Tea "Earl" <Grey> & co', stock=7)
    model_admin = admin.site.get_model_admin(Product)
    assert isinstance(model_admin, widgets.PythonRenderedRowsMixin)

    html = superuser_client.get(reverse("admin:catalog_product_changelist")).content.decode()

    checkbox = admin.ModelAdmin.action_checkbox(model_admin, product)
    assert checkbox == widgets.action_checkbox_html(product)
    assert checkbox in html
    stock = admin_widgets.AdminIntegerFieldWidget().render(
        "form-0-stock", 7, attrs={"id": "id_form-0-stock"}
    )
    assert stock in html
    hidden_pk = forms.HiddenInput().render("form-0-id", product.pk, attrs={"id": "id_form-0-id"})
    assert hidden_pk in html
    assert 'id="action-toggle"' in html


class _Row:
    """Stands in for a model instance: any pk and str() the admin may meet."""

    def __init__(self, pk, text):
        self.pk, self.text = pk, text

    def __str__(self):
        return self.text


@pytest.mark.parametrize(
    ("pk", "text"),
    [(7, "plain"), ('a"b<c>&d', 'Tea "Earl" <Grey> & co'), ("x y", mark_safe("<b>safe</b>"))],
)
def test_action_checkbox_is_djangos(pk, text):
    row = _Row(pk, text)
    assert widgets.action_checkbox_html(row) == admin.ModelAdmin.action_checkbox(None, row)


@pytest.mark.parametrize(
    "value",
    [*VALUES, 3.5, gettext_lazy("Lazy <text>"), mark_safe("<b>") + "", SafeString("&amp;")],
)
def test_conditional_escape_is_djangos(value):
    assert widgets.conditional_escape(value) == html.conditional_escape(value)
