"""Password reset from the login page: Django's views and tokens in jazzmin's login look,
rate limited per address and per client IP (docs/architecture.md#password-reset). Links
work PASSWORD_RESET_TIMEOUT seconds (BACKOFFICE_INVITATION_HOURS).

The answer is the same whether or not an account has the address: the same page, the same
status, the same counting; the email is rendered and handed to the mail path after the
request's work, never waited for.
"""

import unicodedata
from datetime import timedelta

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import User
from django.http import HttpResponseRedirect
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .emails import account_email_send
from .rate_limits import Limit, rate_limit_hit
from .rules import password_reset_held


def _same_address(a: str, b: str) -> bool:
    return (
        unicodedata.normalize("NFKC", a).casefold() == unicodedata.normalize("NFKC", b).casefold()
    )


def reset_limits() -> tuple[Limit, Limit]:
    """(per address, per client IP), from the settings of the moment."""
    hour = timedelta(hours=1)
    return (
        Limit("reset-address", settings.BACKOFFICE_PASSWORD_RESET_PER_ADDRESS_PER_HOUR, hour),
        Limit("reset-ip", settings.BACKOFFICE_PASSWORD_RESET_PER_IP_PER_HOUR, hour),
    )


class StaffPasswordResetForm(PasswordResetForm):
    def get_users(self, email: str):
        """Active staff with this address, also those who never set a password (invited or
        imported): the link lets them set one. Inactive accounts get nothing, nor does an
        address someone else has just given the account (rules.password_reset_held); the
        page answers alike either way."""
        users = User.objects.filter(email__iexact=email, is_active=True, is_staff=True)
        return [
            user
            for user in users
            if _same_address(email, user.email) and not password_reset_held(target=user)
        ]

    def save(self, *, request, **kwargs) -> None:
        for user in self.get_users(self.cleaned_data["email"]):
            account_email_send(
                to=user.email,
                template="password_reset",
                context=link_context(
                    request=request,
                    user=user,
                    url_name="password_reset_confirm",
                    valid_for=hours_text(settings.PASSWORD_RESET_TIMEOUT / 3600),
                ),
            )


def hours_text(hours: float) -> str:
    if hours == 1:
        return "an hour"
    if hours.is_integer():
        return f"{int(hours)} hours"
    return f"{round(hours * 60)} minutes"


def link_context(
    *, request, user: User, url_name: str, valid_for: str, token_generator=None
) -> dict:
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse

    token = (token_generator or default_token_generator).make_token(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse(url_name, kwargs={"uidb64": uid, "token": token})
    return {"user": user, "link": request.build_absolute_uri(path), "valid_for": valid_for}


class PasswordResetView(auth_views.PasswordResetView):
    form_class = StaffPasswordResetForm
    # jazzmin's registration/password_reset_form.html: the login box, with the form's errors.

    def form_valid(self, form):
        per_address, per_ip = reset_limits()
        # Both are counted on every request, so a refusal says nothing about accounts.
        address_ok = rate_limit_hit(
            limit=per_address, value=form.cleaned_data["email"].strip().casefold()
        )
        ip_ok = rate_limit_hit(limit=per_ip, value=get_client_ip_address(self.request) or "")
        if not ip_ok:
            form.add_error(
                None,
                f"Too many reset requests from your network address: {per_ip.describe()}. "
                "Try again later.",
            )
        elif not address_ok:
            form.add_error(
                None,
                f"Too many reset requests for this address: {per_address.describe()}. "
                "Try again later, or ask a User admin to send you an invitation again.",
            )
        if not (address_ok and ip_ok):
            return self.render_to_response(self.get_context_data(form=form), status=429)
        form.save(request=self.request)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    # jazzmin's registration/password_reset_confirm.html.
    extra_context = {"title": "Choose a new password"}

    def get_user(self, uidb64):
        # A link sent before the account was deactivated no longer works.
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        # An unknown user, a forged, used or expired token: the page says so, with a 400.
        if not self.validlink and response.status_code == 200:
            response.status_code = 400
        return response
