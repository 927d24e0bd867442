"""The second login step's gate (docs/architecture.md#two-factor-login)."""

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import reverse

from .two_factor import second_step_pending

# Admin URLs a session owing the second step may still open.
OPEN_ADMIN_URL_NAMES = frozenset(
    {"login", "logout", "two_factor_verify", "two_factor_enrol", "two_factor_recovery_codes"}
)


class TwoFactorMiddleware:
    """Sends a session that owes the second step from any admin page to that step.

    Installed after django_otp.middleware.OTPMiddleware (which tells whether a session is
    verified). The admin site's has_permission refuses such a session as well, so a view
    reached some other way still refuses it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or "admin" not in match.namespaces:
            return None
        if match.url_name in OPEN_ADMIN_URL_NAMES or not second_step_pending(request):
            return None
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        target = reverse(f"{match.namespace}:two_factor_verify")
        return HttpResponseRedirect(f"{target}?{query}" if query else target)
