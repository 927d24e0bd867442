"""Django set-up shared by the bench scripts: production settings with loopback-only defaults."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Production settings are what gunicorn serves; these defaults only fill what a bench run on
# this machine needs and never override a value already in the environment.
BENCH_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "backoffice.settings.production",
    "SECRET_KEY": "bench-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DEBUG": "false",
    # Collected apart from the project's staticfiles/, which other runs may rebuild meanwhile.
    "STATIC_ROOT": str(ROOT / "bench" / "out" / "staticfiles"),
    # Alert emails are not what is measured, and there is no SMTP server on loopback.
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    # No worker runs beside these benches: tasks (alert emails) go to an in-process broker and
    # are dropped. bench/import_bench.py's job path sets a real broker.
    "CELERY_BROKER_URL": "memory://",
}


def bench_environment() -> dict[str, str]:
    """os.environ with the bench defaults filled in (for child processes too)."""
    return {**BENCH_ENVIRONMENT, **os.environ}


def collect_static() -> None:
    """Collect static files when the project's are newer than the last collection (once per
    checkout, and again after a change adds or edits one): production settings need the
    manifest to render pages."""
    environment = bench_environment()
    manifest = Path(environment["STATIC_ROOT"]) / "staticfiles.json"
    newest = max(
        (
            path.stat().st_mtime
            for app in ("backoffice", "catalog", "alerts")
            for path in (ROOT / app).glob("**/static/**/*")
            if path.is_file()
        ),
        default=0.0,
    )
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
            cwd=ROOT,
            env=environment,
            check=True,
        )


def setup() -> None:
    """Put the project on sys.path, fill the bench defaults and start Django."""
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    for name, value in BENCH_ENVIRONMENT.items():
        os.environ.setdefault(name, value)

    import django

    django.setup()


def calibration() -> str:
    """The machine's speed of the moment, to read absolute figures by.

    This 2-core VM ran this loop in 0.3 to 0.5 s of CPU, and a plain one in 0.9 to 1.7 s of
    wall time, from one minute to the next; seconds and requests per second move with it,
    ratios taken in one run much less.
    """
    started = time.process_time()
    sum(i for i in range(10**7))
    seconds = time.process_time() - started
    return f"calibration: a fixed pure-Python loop took {seconds:.2f} s of CPU"


def two_factor_login(client, user, *, secure: bool = True) -> None:
    """Log `user` in on the Django test client through both steps, as production requires of
    superusers: force_login (the password step), then a code from the user's bench
    authenticator app, computed here (django_otp.oath), posted to the second step. A
    checkout without two-factor login (a baseline) gets force_login alone."""
    from django.conf import settings
    from django.urls import reverse

    if "django_otp" not in settings.INSTALLED_APPS:
        client.force_login(user)
        return
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
    # A code is accepted once per 30-second step: let this login use the current one again.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    device.refresh_from_db()
    client.force_login(user)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    response = client.post(
        reverse("admin:two_factor_verify"), {"code": f"{code:0{device.digits}d}"}, secure=secure
    )
    if response.status_code != 302:
        raise SystemExit(f"the second login step answered {response.status_code}")


if __name__ == "__main__" and sys.argv[1:] == ["calibration"]:
    print(calibration())
