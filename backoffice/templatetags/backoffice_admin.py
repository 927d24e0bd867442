"""Template tags for the admin pages."""

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.views.main import PAGE_VAR
from django.http import HttpRequest
from django.template import Library
from jazzmin.settings import get_settings

register = Library()


@register.simple_tag
def next_page_query_string(cl) -> str:
    """The changelist's query string for the page after the current one (filters kept)."""
    return cl.get_query_string({PAGE_VAR: cl.page_num + 1})


@register.simple_tag
def permitted_search_models(request: HttpRequest | None) -> list[dict]:
    """jazzmin's parsed "search_model" entries (search_url, search_name) whose list this
    request's user may open, as the model's admin decides (has_view_or_change_permission)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_active or not user.is_staff:
        return []
    jazzmin_settings = get_settings()
    labels = jazzmin_settings.get("search_model") or []
    parsed = jazzmin_settings.get("search_models_parsed") or []
    permitted = []
    for label, search in zip(labels, parsed, strict=True):
        try:
            model_admin = admin.site.get_model_admin(apps.get_model(label))
        except (LookupError, NotRegistered):
            continue
        if model_admin.has_view_or_change_permission(request):
            permitted.append(search)
    return permitted
