"""The second login step's pages, in the look of the admin's login page: enter a code,
enrol an authenticator app, make new recovery codes (docs/architecture.md#two-factor-login).

They are admin URLs (admin:two_factor_*) outside admin_view: a session owing the second
step is refused by every other admin page and must reach these.
"""

from axes.helpers import get_lockout_response
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from . import two_factor


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=64,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


def _next_url(request: HttpRequest, namespace: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(f"{namespace}:index")


def _staff_or_login(request: HttpRequest, namespace: str) -> HttpResponse | None:
    user = request.user
    if user.is_authenticated and user.is_active and user.is_staff:
        return None
    return HttpResponseRedirect(reverse(f"{namespace}:login"))


def _page(request: HttpRequest, template: str, context: dict, status: int = 200):
    return render(request, f"accounts/{template}", context, status=status)


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, namespace: str = "admin") -> HttpResponse:
    if refusal := _staff_or_login(request, namespace):
        return refusal
    next_url = _next_url(request, namespace)
    if not two_factor.second_step_pending(request):
        return HttpResponseRedirect(next_url)
    if not two_factor.two_factor_enrolled(request.user):
        # Reset by a superuser meanwhile, or required and never enrolled.
        two_factor.session_remember_enrolment(request, request.user)
        if not two_factor.second_step_pending(request):
            return HttpResponseRedirect(next_url)
        return HttpResponseRedirect(reverse(f"{namespace}:two_factor_enrol"))
    form = CodeForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.second_step_verify(request=request, code=form.cleaned_data["code"])
        except two_factor.LoginLocked:
            # The password step is locked for the pair as well: this session ends, and
            # django-axes' lockout page (AXES_LOCKOUT_CALLABLE) says for how long.
            credentials = {"username": request.user.get_username()}
            logout(request)
            return get_lockout_response(request, None, credentials)
        except two_factor.CodeRefused as refused:
            error = str(refused)
        else:
            if isinstance(device, StaticDevice):
                left = two_factor.recovery_codes_left(user=request.user)
                messages.warning(
                    request,
                    f"You logged in with a recovery code; it cannot be used again. {left} "
                    "left: make new ones on the Two-factor login page when they run low.",
                )
            return HttpResponseRedirect(next_url)
    elif request.method == "POST":
        error = "Enter the code from your authenticator app or a recovery code."
    context = {"title": "Two-factor login", "form": form, "error": error, "next": next_url}
    return _page(request, "two_factor_verify.html", context, status=400 if error else 200)


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest, namespace: str = "admin") -> HttpResponse:
    if refusal := _staff_or_login(request, namespace):
        return refusal
    user = request.user
    if two_factor.two_factor_enrolled(user):
        if two_factor.second_step_pending(request):
            # Enrolling a second app would skip the code of the first one.
            return HttpResponseRedirect(reverse(f"{namespace}:two_factor_verify"))
        context = {
            "title": "Two-factor login",
            "enrolled": True,
            "codes_left": two_factor.recovery_codes_left(user=user),
            "required": two_factor.two_factor_required(user),
        }
        return _page(request, "two_factor_enrol.html", context)
    form = CodeForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        codes = two_factor.totp_device_confirm(
            request=request,
            device_id=_int(request.POST.get("device")),
            code=form.cleaned_data["code"],
        )
        if codes is not None:
            context = {"title": "Your recovery codes", "codes": codes, "enrolled_now": True}
            return _page(request, "two_factor_recovery_codes.html", context)
        error = "That code is not right: scan the QR code again and enter the current code."
    elif request.method == "POST":
        error = "Enter the six-digit code your app shows."
    device = two_factor.totp_device_pending(user=user)
    context = {
        "title": "Set up two-factor login",
        "form": form,
        "error": error,
        "device": device,
        "qr_code": two_factor.totp_qr_code_svg(device),
        "secret": two_factor.totp_secret_for_typing(device),
        "required": two_factor.two_factor_required(user),
    }
    return _page(request, "two_factor_enrol.html", context, status=400 if error else 200)


@never_cache
@csrf_protect
@require_POST
def recovery_codes(request: HttpRequest, namespace: str = "admin") -> HttpResponse:
    """New recovery codes for a verified session (the old ones stop working)."""
    if refusal := _staff_or_login(request, namespace):
        return refusal
    if not request.user.is_verified():
        return HttpResponseRedirect(reverse(f"{namespace}:two_factor_verify"))
    codes = two_factor.recovery_codes_replace(user=request.user)
    return _page(
        request, "two_factor_recovery_codes.html", {"title": "Your recovery codes", "codes": codes}
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
