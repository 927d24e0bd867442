"""jazzmin's menu and settings tags, made cheaper per page without changing what they render.

install() (called from BackofficeAdminConfig.ready) puts the tags below into jazzmin's own
tag library in place of jazzmin's, so `{% load jazzmin %}` in jazzmin's templates gets
them. (Registering a second library under the name "jazzmin" would do the same but trips
Django's templates.W003 check.) jazzmin rebuilds its settings (a deep copy of its defaults
plus URL reversals) in each of the five tags a page calls, deep-copies the app list for each
menu, and lists every permission of the user (two queries, even for a superuser) to decide
which top-menu links to show. Here:

- the settings and UI tweaks are built once per process (they depend on Django settings
  only; the cache is cleared when a setting changes and is keyed on the script prefix,
  which the reversed URLs in them include);
- the side menu copies only the dicts it edits;
- the top and user menus ask `has_perm` for the few permissions their links need. Nothing
  about permissions is cached here: `has_perm` reads the per-request permission cache
  Django keeps on the user object, which the admin's app list has already filled (and a
  superuser needs no query at all).
"""

import functools
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.core.signals import setting_changed
from django.template import Context
from django.urls import get_script_prefix
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from jazzmin.templatetags import jazzmin as jazzmin_tags
from jazzmin.utils import make_menu, order_with_respect_to

from backoffice import fragments


@functools.cache
def _settings(script_prefix: str) -> dict[str, Any]:
    return jazzmin_tags.get_jazzmin_settings(None)


@functools.cache
def _ui_tweaks(script_prefix: str) -> dict[str, Any]:
    return jazzmin_tags.get_jazzmin_ui_tweaks()


def jazzmin_settings() -> dict[str, Any]:
    """jazzmin's settings as its get_jazzmin_settings tag returns them, built once.

    Shared between requests: templates only read them, and so do jazzmin's helpers that
    are handed them here (make_menu, the side-menu helper).
    """
    return _settings(get_script_prefix())


def _clear_caches(**kwargs) -> None:
    _settings.cache_clear()
    _ui_tweaks.cache_clear()


setting_changed.connect(_clear_caches, dispatch_uid="backoffice.jazzmin_tags.clear_caches")


def get_jazzmin_settings(request) -> dict[str, Any]:
    return jazzmin_settings()


def get_jazzmin_ui_tweaks() -> dict[str, Any]:
    return _ui_tweaks(get_script_prefix())


def get_side_menu(context: Context, using: str = "available_apps") -> list[dict[str, Any]]:
    """jazzmin's side menu (and dashboard app list) from the permission-filtered app list."""
    options = jazzmin_settings()
    user = context.get("user")
    if options.get("custom_links") or not user:
        return jazzmin_tags.get_side_menu(context, using)
    ordering = [name.lower() for name in options.get("order_with_respect_to", [])]
    menu = []
    for app in context.get(using, []):
        app_label = app["app_label"]
        if app_label in options["hide_apps"]:
            continue
        # jazzmin writes into the app and model dicts; the context's stay untouched.
        app = {
            **app,
            "models": [dict(model) for model in app["models"]],
            "icon": options["icons"].get(app_label, options["default_icon_parents"]),
        }
        models = jazzmin_tags._side_menu_items_for_app(app, app_label, [], options, ordering)
        if models:
            app["models"] = models
            menu.append(app)
    if ordering:
        apps_order = [name for name in ordering if "." not in name]
        menu = order_with_respect_to(menu, apps_order, getter=lambda app: app["app_label"].lower())
    return menu


class _MenuUser:
    """The user as jazzmin's make_menu sees it, with only the permissions its links need.

    make_menu shows a model link (or an app link's model) when "app_label.model" is among
    the user's "view_" permissions, which it gets from get_all_permissions(). Here that set
    holds the view permissions of the linked models that the user has, so make_menu decides
    exactly as it would with all of them, without listing them all.
    """

    def __init__(self, user: AbstractBaseUser, links: list[dict[str, Any]]):
        self.user = user
        self.links = links

    def get_all_permissions(self) -> set[str]:
        models = set()
        for link in self.links:
            if "model" in link:
                models.add(tuple(link["model"].lower().split(".", 1)))
            elif "app" in link and link["app"] in apps.app_configs:
                app_models = apps.app_configs[link["app"]].get_models()
                models.update((link["app"], model._meta.model_name) for model in app_models)
        permissions = {f"{app_label}.view_{name}" for app_label, name in models}
        return {permission for permission in permissions if self.user.has_perm(permission)}

    def has_perm(self, permission: str) -> bool:
        return self.user.has_perm(permission)


def _menu(user: AbstractBaseUser, setting: str, admin_site: str, allow_appmenus: bool):
    options = jazzmin_settings()
    links = options.get(setting, [])
    if not user or not links:
        return []
    return make_menu(
        _MenuUser(user, links), links, options, allow_appmenus=allow_appmenus, admin_site=admin_site
    )


def get_top_menu(user: AbstractBaseUser, admin_site: str = "admin") -> list[dict[str, Any]]:
    return _menu(user, "topmenu_links", admin_site, allow_appmenus=True)


def get_user_menu(user: AbstractBaseUser, admin_site: str = "admin") -> list[dict[str, Any]]:
    return _menu(user, "usermenu_links", admin_site, allow_appmenus=False)


def install() -> None:
    """Register the tags above in jazzmin's tag library, replacing jazzmin's."""
    library = jazzmin_tags.register
    library.simple_tag(get_side_menu, takes_context=True)
    for tag in (get_jazzmin_settings, get_jazzmin_ui_tweaks, get_top_menu, get_user_menu):
        library.simple_tag(tag)


# --- the menus' HTML, rendered once per permission set ------------------------------------

# Where the open-alert badge goes in the cached side menu: it counts live alerts, so it is put
# in on every page (BackofficeAdminSite.each_context hands it over as "open_alert_badge").
BADGE_SLOT = mark_safe("<!-- open-alert-badge -->")


def side_menu_html(context: Context) -> SafeString:
    """The side menu's <nav>, as jazzmin's admin/base.html renders it, from a cache.

    Its HTML depends on the user's permissions (through the app list), the settings and the
    URLs only, which backoffice.fragments keys on: rendering it took ~0.4 ms of every admin
    page. The badge, the one live value in it, is put in after.
    """
    badge = context.get("open_alert_badge", "")

    def render() -> str:
        apps = [
            {**app, "models": [_badge_slotted(model, badge) for model in app["models"]]}
            for app in context.get("available_apps", [])
        ]
        side_menu = get_side_menu(context.new({"available_apps": apps, "user": context["user"]}))
        return _render(context, "backoffice/side_menu.html", side_menu_list=side_menu)

    html = fragments.cached("side menu", context["request"], render)
    return mark_safe(html.replace(BADGE_SLOT, badge, 1))


def _badge_slotted(model: dict[str, Any], badge: str) -> dict[str, Any]:
    """The side menu's entry with the badge slot where the badge is (or goes, when there is
    none now): each_context adds the badge to the StockAlert entry's name."""
    if model["object_name"] != "StockAlert" or model["model"]._meta.app_label != "alerts":
        return model
    name = mark_safe(model["name"].removesuffix(badge)) if badge else model["name"]
    return {**model, "name": format_html("{}{}", name, BADGE_SLOT)}


def dashboard_app_list_html(context: Context) -> SafeString:
    """The dashboard's app list, as jazzmin's admin/index.html renders it, from a cache.

    Like the side menu, it depends on the permissions, settings and URLs only (~0.6 ms of
    the dashboard).
    """

    def render() -> str:
        return _render(
            context,
            "backoffice/dashboard_app_list.html",
            app_list=context.get("app_list", []),
            user=context["user"],
        )

    return mark_safe(fragments.cached("dashboard app list", context["request"], render))


def _render(context: Context, template_name: str, **values: Any) -> str:
    # A context of its own: nothing of the page's (user, CSRF token) can slip into the HTML.
    template = context.template.engine.get_template(template_name)
    values.update(jazzmin_settings=jazzmin_settings(), jazzmin_ui=get_jazzmin_ui_tweaks())
    return template.render(Context(values, autoescape=context.autoescape)).strip()
