"""Error pages in the admin's look (docs/architecture.md#error-pages): 400, 403 and 404 inside
the admin's frame, menus included, for whoever may use the admin, and in the login page's box
for anyone else; 500 is a template that needs no request and no database (Django's own
server_error renders it)."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

ADMIN_FRAME = "admin/base_site.html"

# status: (heading, what happened and what to do, Font Awesome icon)
PAGES = {
    400: (
        "Bad request",
        "The page could not use this address: a link or filter in it is not one this page "
        "knows. Go back and try again from the menu.",
        "fa-exclamation-circle",
    ),
    403: (
        "You may not open this page",
        "Your roles do not include this page. If your work needs it, ask a user admin for "
        "the role that does.",
        "fa-lock",
    ),
    404: (
        "Page not found",
        "There is no page at this address: the link may be old, or what it showed was deleted.",
        "fa-search",
    ),
}


def _error_page(request: HttpRequest, status: int) -> HttpResponse:
    heading, message, icon = PAGES[status]
    context = {"status": status, "heading": heading, "message": message, "icon": icon}
    # An error raised before AuthenticationMiddleware (a bad Host header) has no user.
    if hasattr(request, "user") and admin.site.has_permission(request):
        context.update(admin.site.each_context(request))
        context["error_base"] = ADMIN_FRAME
    return render(request, f"{status}.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error_page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error_page(request, 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error_page(request, 404)
