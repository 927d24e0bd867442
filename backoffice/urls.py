"""URL configuration: the admin is the product."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from backoffice.accounts import invitations, password_reset

from .views import healthz

# Password reset and invitations: Django's auth views under the admin's prefix, named as
# Django's admin expects ("admin_password_reset" puts the link on the login page).
staff_account_urls = [
    path(
        "password-reset/",
        password_reset.PasswordResetView.as_view(),
        name="admin_password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        password_reset.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "invitation/<uidb64>/<token>/",
        invitations.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
]

# Error pages in the admin's look (backoffice/errors.py); 500 is Django's own view, which
# renders backoffice/templates/500.html without a request.
handler400 = "backoffice.errors.bad_request"
handler403 = "backoffice.errors.permission_denied"
handler404 = "backoffice.errors.page_not_found"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("backoffice/logo.svg"))),
    path("healthz", healthz, name="healthz"),
    path(settings.ADMIN_URL, include(staff_account_urls)),
    path(settings.ADMIN_URL, admin.site.urls),
]
