"""The admin site: Django's own, with the operations dashboard on its index page, the
open-alert badge in the side menu and the key its menus are cached under. Installed as the
default site by BackofficeAdminConfig.
"""

import hashlib

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html

# How long a user's rendered menus are kept (admin/base.html, the per-process "menus" cache).
# Their key changes with whatever they show; this only lets entries of users gone idle go.
MENU_CACHE_SECONDS = 300


class BackofficeAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        # A session owing the second login step is not staff yet (backoffice.accounts'
        # TwoFactorMiddleware sends it to that step before any admin view runs).
        # Logging out is the one admin view (behind admin_view) such a session may use.
        from backoffice.accounts.two_factor import second_step_pending

        if not super().has_permission(request):
            return False
        match = request.resolver_match
        return (match is not None and match.url_name == "logout") or not second_step_pending(
            request
        )

    def login(self, request: HttpRequest, extra_context: dict | None = None):
        from backoffice.accounts.two_factor import second_step_pending

        if request.method == "GET" and second_step_pending(request):
            return HttpResponseRedirect(reverse(f"{self.name}:two_factor_verify"))
        return super().login(request, extra_context)

    def get_urls(self):
        from backoffice.accounts import two_factor_views

        site = {"namespace": self.name}
        return [
            path("two-factor/", two_factor_views.enrol, site, name="two_factor_enrol"),
            path("two-factor/verify/", two_factor_views.verify, site, name="two_factor_verify"),
            path(
                "two-factor/recovery-codes/",
                two_factor_views.recovery_codes,
                site,
                name="two_factor_recovery_codes",
            ),
            *super().get_urls(),
        ]

    def autocomplete_view(self, request: HttpRequest):
        # The change lists' search form refuses a NUL character (Django's
        # ProhibitNullCharactersValidator); the autocomplete view passes its term on as it
        # is, and PostgreSQL text cannot hold one: 400 instead of a database error's 500.
        if "\x00" in request.GET.get("term", ""):
            raise BadRequest("Null characters are not allowed.")
        return super().autocomplete_view(request)

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        self._add_open_alert_badge(request, context.get("available_apps", []))
        if request.user.is_authenticated:
            context["menu_cache_key"] = self._menu_cache_key(request, context["available_apps"])
            context["menu_cache_seconds"] = MENU_CACHE_SECONDS
        return context

    def index(self, request: HttpRequest, extra_context: dict | None = None):
        # Imported here: this module is loaded with INSTALLED_APPS, before any model.
        from alerts import selectors
        from backoffice.kit.admin_log import admin_log_recent

        dashboard = selectors.dashboard_get(user=request.user)
        if dashboard.can_view_alerts:
            # The side-menu badge shows the same number, counted a moment ago.
            request.backoffice_open_alert_count = dashboard.unresolved_alert_count
        context = {
            **self.each_context(request),
            "title": self.index_title,
            "subtitle": None,
            "dashboard": dashboard,
            # Everyone's latest actions on what this user may view: one query (the
            # permissions it filters by are read once per request, the app list's too).
            "recent_actions": admin_log_recent(user=request.user),
            **(extra_context or {}),
        }
        # Django's index view with its context, less the app list it builds a second time
        # (each_context has one for the menus): admin/index.html shows the dashboard instead.
        request.current_app = self.name
        return TemplateResponse(request, self.index_template or "admin/index.html", context)

    @staticmethod
    def _menu_cache_key(request: HttpRequest, available_apps: list[dict]) -> str:
        """What the top and side menus are drawn from: the user (their name is in the side
        menu), their permissions (jazzmin's menus and custom links ask them), every entry of
        available_apps with its name, badge and URLs, the language and jazzmin's settings.
        Equal keys, equal menus: a change to any of these is a new key, shown on the next page.
        """
        user = request.user
        # A superuser has every permission whatever the table holds; anyone else's set is
        # cached on the user by the app list's checks (no query).
        permissions = (
            "superuser"
            if user.is_active and user.is_superuser
            else sorted(user.get_all_permissions())
        )
        entries = [
            (
                app["app_label"],
                str(app["name"]),
                app.get("app_url"),
                [
                    (
                        model["object_name"],
                        str(model["name"]),
                        model.get("admin_url"),
                        model.get("add_url"),
                        model.get("view_only"),
                        sorted(model["perms"].items()),
                    )
                    for model in app["models"]
                ],
            )
            for app in available_apps
        ]
        drawn_from = (
            user.pk,
            user.get_username(),
            permissions,
            entries,
            translation.get_language(),
            repr(getattr(settings, "JAZZMIN_SETTINGS", None)),
            repr(getattr(settings, "JAZZMIN_UI_TWEAKS", None)),
        )
        return hashlib.sha256(repr(drawn_from).encode()).hexdigest()

    @staticmethod
    def _add_open_alert_badge(request: HttpRequest, available_apps: list[dict]) -> None:
        """Add the open-alert badge to the StockAlert entry's name: jazzmin's side menu
        shows the names of available_apps, so the badge is counted live on every page."""
        from alerts import selectors

        # available_apps lists StockAlert only for users allowed to see it, so the count is
        # queried only for them.
        for app in available_apps:
            for model in app["models"] if app["app_label"] == "alerts" else []:
                if model["object_name"] == "StockAlert":
                    count = getattr(request, "backoffice_open_alert_count", None)
                    if count is None:
                        count = selectors.stock_alert_open_count()
                    if count:
                        model["name"] = format_html(
                            '{} <span class="badge text-bg-danger ms-1" '
                            'title="Unresolved low-stock alerts" data-open-alerts="{}">{}</span>',
                            model["name"],
                            count,
                            count,
                        )
                    return


class BackofficeAdminConfig(AdminConfig):
    default_site = "backoffice.admin_site.BackofficeAdminSite"
