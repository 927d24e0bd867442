"""Template tags for the admin pages."""

from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.views.main import PAGE_VAR
from django.template import Library

from backoffice import changelist

register = Library()


@register.tag(name="backoffice_result_list")
def result_list_tag(parser, token):
    """Django's {% result_list cl %}, rows rendered by backoffice.changelist (same HTML).

    Its template, admin/backoffice_change_list_results.html, can be overridden per app or
    model like change_list_results.html.
    """
    return InclusionAdminNode(
        parser,
        token,
        func=changelist.result_list,
        template_name="backoffice_change_list_results.html",
        takes_context=False,
    )


@register.simple_tag
def next_page_query_string(cl) -> str:
    """The changelist's query string for the page after the current one (filters kept)."""
    return cl.get_query_string({PAGE_VAR: cl.page_num + 1})
