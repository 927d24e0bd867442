"""Template tags for the admin pages."""

from django.contrib.admin.views.main import PAGE_VAR
from django.template import Library

register = Library()


@register.simple_tag
def next_page_query_string(cl) -> str:
    """The changelist's query string for the page after the current one (filters kept)."""
    return cl.get_query_string({PAGE_VAR: cl.page_num + 1})
