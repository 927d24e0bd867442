"""The form renderer: Django's own, with Django's built-in widgets rendered by Jinja2.

Django ships each built-in widget template twice, for its template language and for Jinja2
(django/forms/jinja2/), and the Jinja2 twins render 2-3 times faster. A changelist page of
50 rows renders about 150 widgets: each row's selection checkbox and list_editable inputs.
Every other template (forms, error lists, the admin's and jazzmin's widgets, ours) is
rendered as before. See docs/architecture.md#rendering.
"""

from django.forms.renderers import DjangoTemplates, Jinja2
from django.utils.functional import cached_property

WIDGET_TEMPLATES = "django/forms/widgets/"


class FormRenderer(DjangoTemplates):
    @cached_property
    def jinja2(self) -> Jinja2:
        return Jinja2()

    def get_template(self, template_name: str):
        if template_name.startswith(WIDGET_TEMPLATES):
            return self.jinja2.get_template(template_name)
        return super().get_template(template_name)
