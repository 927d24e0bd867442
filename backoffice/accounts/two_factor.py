"""Two-factor login with django-otp: who owes a second step, enrolment of an authenticator
app with single-use recovery codes, checking a code, and resetting a user's devices
(docs/architecture.md#two-factor-login).

A session owes the second step when its user is required to pass it (superuser status or a
role group named in BACKOFFICE_TWO_FACTOR_REQUIRED, read on every request) or has enrolled
of their own accord, and the session has not been verified by one of the user's devices.
"""

import io

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.utils.safestring import SafeString
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
# The session remembers whether its user has an authenticator enrolled (set at login, kept
# current by enrol and reset in this session): an unenrolled user's requests ask nothing.
ENROLLED_SESSION_KEY = "_two_factor_enrolled"
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def two_factor_required(user: AbstractUser) -> bool:
    """Whether `user`'s role obliges it to pass the second step (the setting, read now)."""
    required = set(settings.BACKOFFICE_TWO_FACTOR_REQUIRED)
    if not required or not user.is_authenticated:
        return False
    if user.is_superuser and "superusers" in required:
        return True
    group_names = required - {"superusers"}
    return bool(group_names) and user.groups.filter(name__in=group_names).exists()


def two_factor_enrolled(user: AbstractUser) -> bool:
    """Whether `user` has a confirmed authenticator app."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def session_remember_enrolment(request: HttpRequest, user: AbstractUser) -> None:
    request.session[ENROLLED_SESSION_KEY] = two_factor_enrolled(user)


def second_step_pending(request: HttpRequest) -> bool:
    """Whether this session's user is logged in with a password only and owes a code."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    # is_verified comes from django_otp's OTPMiddleware; a request built without it (a
    # RequestFactory's) is not verified.
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return False
    session = getattr(request, "session", None)
    if session is None:
        return two_factor_required(user)
    if ENROLLED_SESSION_KEY not in session:
        session_remember_enrolment(request, user)
    return session[ENROLLED_SESSION_KEY] or two_factor_required(user)


# --- enrolment ----------------------------------------------------------------------------


def totp_device_pending(*, user: AbstractUser) -> TOTPDevice:
    """The unconfirmed authenticator device `user` is enrolling (created on first ask)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def totp_qr_code_svg(device: TOTPDevice) -> SafeString:
    """The device's otpauth:// URL as an inline SVG QR code (qrcode's own markup)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    out = io.BytesIO()
    image.save(out)
    # The XML declaration is not allowed inside HTML.
    svg = out.getvalue().decode()
    return SafeString(svg[svg.index("<svg") :])


def totp_secret_for_typing(device: TOTPDevice) -> str:
    """The secret in base32 groups of four, for apps that cannot scan."""
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_device_confirm(*, request: HttpRequest, device_id: int, code: str) -> list[str] | None:
    """Confirm the pending device with a code from the app: the user's other devices go, new
    recovery codes are made and returned, and this session counts as verified. None when
    the code is wrong (or the device is not this user's pending one)."""
    user = request.user
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(pk=device_id, user=user, confirmed=False)
            .first()
        )
        if device is None or not device.verify_token(normalised(code)):
            return None
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_replace(user=user)
    otp_login(request, device)
    request.session[ENROLLED_SESSION_KEY] = True
    return codes


def recovery_codes_replace(*, user: AbstractUser) -> list[str]:
    """Replace `user`'s recovery codes with RECOVERY_CODE_COUNT new ones, returned once."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def recovery_codes_left(*, user: AbstractUser) -> int:
    return StaticToken.objects.filter(device__user=user).count()


# --- the second step ----------------------------------------------------------------------


class CodeRefused(Exception):
    """The code was not accepted; the message says why in words for the user."""


class LoginLocked(CodeRefused):
    """django-axes locks this username and address: the session must end."""


def normalised(code: str) -> str:
    return "".join(str(code).split()).lower()[:32]


def second_step_verify(*, request: HttpRequest, code: str) -> TOTPDevice | StaticDevice:
    """Check a code from the app (six digits) or a recovery code, and mark the session
    verified. A wrong code counts as a failed login for django-axes (the username and
    address pair the password step locks); a locked pair is refused before any check.
    Raises CodeRefused."""
    user = request.user
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        raise LoginLocked("Too many failed attempts: this login is locked for now.")
    code = normalised(code)
    model = TOTPDevice if code.isdigit() else StaticDevice
    with transaction.atomic():
        # Locked, so two requests with the same recovery code cannot both use it.
        device = (
            model.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is not None:
            allowed, _details = device.verify_is_allowed()
            if not allowed:
                raise CodeRefused(
                    "Too many wrong codes in a row: wait a few seconds before the next try."
                )
        verified = bool(code) and device is not None and device.verify_token(code)
    if not verified:
        # django-axes counts failed logins through Django's signal (docs: "Integration").
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if AxesProxyHandler.is_locked(request, credentials):
            raise LoginLocked("Too many failed attempts: this login is locked for now.")
        raise CodeRefused("That code is not right. Enter the current code from your app.")
    otp_login(request, device)
    login_attempts_reset(request=request, user=user)
    return device


def login_attempts_reset(*, request: HttpRequest, user: AbstractUser) -> None:
    """Forget the failed logins of this username and address once a login is complete."""
    axes_reset(ip=get_client_ip_address(request), username=user.get_username())


def login_completed_without_second_step(sender, request, user, **kwargs) -> None:
    """user_logged_in: remember the enrolment; reset failures when nothing more is owed."""
    if request is None or not hasattr(request, "session"):
        return
    session_remember_enrolment(request, user)
    if not (request.session[ENROLLED_SESSION_KEY] or two_factor_required(user)):
        login_attempts_reset(request=request, user=user)


# --- reset by a superuser or the command ----------------------------------------------------


def two_factor_reset(*, user: AbstractUser) -> int:
    """Remove `user`'s authenticator and recovery codes; they enrol again at next login (or
    now, if their role requires it). Returns the number of devices removed."""
    with transaction.atomic():
        _, apps = TOTPDevice.objects.filter(user=user).delete()
        _, recovery = StaticDevice.objects.filter(user=user).delete()
    return apps.get(TOTPDevice._meta.label, 0) + recovery.get(StaticDevice._meta.label, 0)
