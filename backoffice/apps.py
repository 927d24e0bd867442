"""The project package as an app: admin look, templates, demo set-up; and the names staff
see for Django's auth and django-axes in the menus (docs/architecture.md#rendering)."""

from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig
from django.contrib.auth.apps import AuthConfig
from django.contrib.auth.signals import user_logged_in


class BackofficeConfig(AppConfig):
    # The app "backoffice" in INSTALLED_APPS; this module holds other AppConfigs too.
    default = True
    name = "backoffice"
    verbose_name = "Backoffice"

    def ready(self) -> None:
        from .middleware import session_mark_refreshed

        user_logged_in.connect(
            session_mark_refreshed, dispatch_uid="backoffice.session_mark_refreshed"
        )


# Django's documented way to rename an installed app: its AppConfig subclassed, the subclass
# named in INSTALLED_APPS. Labels stay "auth" and "axes" (permissions, URLs, tables).
class StaffAndRolesConfig(AuthConfig):
    verbose_name = "Staff and roles"  # not "Authentication and Authorization"


class LoginSecurityConfig(AxesConfig):
    verbose_name = "Login security"  # not "Axes"
