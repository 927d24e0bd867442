"""The admin site: Django's own, with the operations dashboard on its index page and the
open-alert badge in the side menu. Installed as the default site by BackofficeAdminConfig.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from backoffice import fragments


class BackofficeAdminSite(admin.AdminSite):
    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        context["open_alert_badge"] = self._add_open_alert_badge(
            request, context.get("available_apps", [])
        )
        return context

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        # Built once per permission set in this process (backoffice.fragments): every admin
        # page asks for it in each_context (the side menu) and the index page once more, and
        # it depends on nothing else (no ModelAdmin here decides its module or model
        # permissions from anything but the user's permissions). Callers get their own copies
        # of the app and model dicts, since each_context edits the alerts entry (the badge).
        if app_label is not None:
            return super().get_app_list(request, app_label)
        if not hasattr(request, "_backoffice_app_list"):
            build = super().get_app_list
            request._backoffice_app_list = fragments.cached(
                f"app list of {self.name}", request, lambda: build(request)
            )
        return [
            {**app, "models": [dict(model) for model in app["models"]]}
            for app in request._backoffice_app_list
        ]

    def index(self, request: HttpRequest, extra_context: dict | None = None):
        # Imported here: this module is loaded with INSTALLED_APPS, before any model.
        from alerts import selectors

        dashboard = selectors.dashboard_get(user=request.user)
        if dashboard.can_view_alerts:
            # The side-menu badge shows the same number, counted a moment ago.
            request._backoffice_open_alert_count = dashboard.open_alert_count
        extra_context = {"dashboard": dashboard, **(extra_context or {})}
        return super().index(request, extra_context)

    @staticmethod
    def _add_open_alert_badge(request: HttpRequest, available_apps: list[dict]) -> SafeString:
        """The open-alert badge, added to the StockAlert entry's name and returned ("" when
        there is none): the cached side menu (backoffice.jazzmin_tags.side_menu_html) puts
        it into its HTML on every page.
        """
        from alerts import selectors

        # available_apps lists StockAlert only for users allowed to see it, so the count is
        # queried only for them. jazzmin renders the model name in the side menu.
        for app in available_apps:
            for model in app["models"] if app["app_label"] == "alerts" else []:
                if model["object_name"] == "StockAlert":
                    count = getattr(request, "_backoffice_open_alert_count", None)
                    if count is None:
                        count = selectors.stock_alert_open_count()
                    if not count:
                        return SafeString()
                    badge = format_html(
                        ' <span class="badge text-bg-danger ms-1" '
                        'title="Open low-stock alerts" data-open-alerts="{}">{}</span>',
                        count,
                        count,
                    )
                    model["name"] = format_html("{}{}", model["name"], badge)
                    return badge
        return SafeString()


class BackofficeAdminConfig(AdminConfig):
    default_site = "backoffice.admin_site.BackofficeAdminSite"

    def ready(self) -> None:
        super().ready()
        # jazzmin's menu and settings tags, built cheaper: imported here because jazzmin's
        # tag library needs the app registry.
        from backoffice import jazzmin_tags

        jazzmin_tags.install()
