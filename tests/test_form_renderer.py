"""backoffice.kit.forms.FormRenderer renders Django's built-in widgets from their Jinja2 twins
and every other template as Django's renderer does: the same HTML either way (entities
aside: Jinja2 writes a quote as &#34;, Django as &quot;), hostile values escaped.
"""

import datetime

import pytest
from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.test.html import parse_html

from backoffice.kit.forms import FormRenderer

HOSTILE = '"><script>alert("x")</script>'

WIDGETS = [
    (forms.TextInput(attrs={"class": "vTextField"}), HOSTILE),
    (forms.NumberInput(), 5),
    (admin_widgets.AdminIntegerFieldWidget(), 12),
    (forms.CheckboxInput(attrs={"class": "action-select", "aria-label": HOSTILE}), True),
    (forms.HiddenInput(), HOSTILE),
    (forms.Textarea(), HOSTILE),
    (forms.Select(choices=[("a", HOSTILE), ("b", "B")]), "a"),
    (forms.SelectMultiple(choices=[(1, "One"), (2, "Two")]), [2]),
    (forms.DateTimeInput(), datetime.datetime(2026, 11, 30, 9, 5)),
    (admin_widgets.AdminSplitDateTime(), datetime.datetime(2026, 11, 30, 9, 5)),
    (forms.PasswordInput(render_value=True), HOSTILE),
    (forms.RadioSelect(choices=[("x", "X"), ("y", HOSTILE)]), "y"),
]


def test_the_project_uses_it():
    assert isinstance(get_default_renderer(), FormRenderer)


@pytest.mark.parametrize(("widget", "value"), WIDGETS, ids=lambda item: type(item).__name__)
def test_a_built_in_widget_renders_as_with_djangos_renderer(widget, value):
    ours = widget.render("field", value, attrs={"id": "id_field"}, renderer=FormRenderer())
    djangos = widget.render("field", value, attrs={"id": "id_field"}, renderer=DjangoTemplates())
    assert parse_html(ours) == parse_html(djangos)
    assert "<script>" not in ours


def test_built_in_widgets_come_from_jinja2_and_other_templates_from_djangos_language():
    renderer = FormRenderer()
    assert type(renderer.get_template("django/forms/widgets/text.html")).__module__ == (
        "django.template.backends.jinja2"
    )
    for name in ["django/forms/errors/list/ul.html", "admin/widgets/split_datetime.html"]:
        assert type(renderer.get_template(name)).__module__ == "django.template.backends.django"


def test_error_messages_keep_djangos_escaping():
    class Form(forms.Form):
        name = forms.CharField()

    form = Form({"name": "x"}, renderer=FormRenderer())
    form.add_error(None, 'You cannot add anyone to the group "Editors"')
    assert "&quot;Editors&quot;" in str(form.non_field_errors())
