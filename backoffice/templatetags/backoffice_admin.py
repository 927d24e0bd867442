"""Template tags for the admin pages."""

import logging

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.views.main import PAGE_VAR
from django.http import HttpRequest
from django.core.cache import InvalidCacheBackendError, caches
from django.core.cache.utils import make_template_fragment_key
from django.template import Library
from django.templatetags.cache import CacheNode, do_cache
from jazzmin.settings import get_settings

logger = logging.getLogger(__name__)

register = Library()


class MenuCacheNode(CacheNode):
    """Django's {% cache %}, except that a cache that cannot be reached (CACHE_URL's Redis
    down) renders the fragment uncached instead of failing the page: the menus are the
    first thing every admin page takes from the cache, and a Redis outage must leave pages
    working (docs/operations.md)."""

    def render(self, context):
        expire_time = self.expire_time_var.resolve(context)
        try:
            fragment_cache = caches["template_fragments"]
        except InvalidCacheBackendError:
            fragment_cache = caches["default"]
        vary_on = [var.resolve(context) for var in self.vary_on]
        cache_key = make_template_fragment_key(self.fragment_name, vary_on)
        try:
            value = fragment_cache.get(cache_key)
        except Exception:  # the backend's own connection errors (redis, memcached, ...)
            logger.warning("Menu cache unreachable; menus rendered uncached", exc_info=True)
            return self.nodelist.render(context)
        if value is None:
            value = self.nodelist.render(context)
            try:
                fragment_cache.set(cache_key, value, expire_time)
            except Exception:
                logger.warning("Menu cache unreachable; menus not stored", exc_info=True)
        return value


@register.tag("menu_cache")
def menu_cache(parser, token):
    """{% menu_cache seconds "name" key %}...{% endcache %}: Django's {% cache %} that
    renders uncached when the cache is unreachable (MenuCacheNode)."""
    node = do_cache(parser, token)
    node.__class__ = MenuCacheNode
    return node


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
