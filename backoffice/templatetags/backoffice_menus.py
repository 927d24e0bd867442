"""The admin menus' HTML from the per-process cache (see backoffice.jazzmin_tags)."""

from django.template import Library

from backoffice import jazzmin_tags

register = Library()

register.simple_tag(jazzmin_tags.side_menu_html, takes_context=True, name="side_menu_html")
register.simple_tag(
    jazzmin_tags.dashboard_app_list_html, takes_context=True, name="dashboard_app_list_html"
)
