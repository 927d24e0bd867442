"""Settings shared by every environment; the environment is read here and only here."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env is a convenience for development; real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; a busy timeout makes concurrent
    # writers wait instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    # jazzmin must precede django.contrib.admin so its templates win.
    "jazzmin",
    # django.contrib.admin with backoffice's AdminSite (dashboard, side-menu alert badge).
    "backoffice.admin_site.BackofficeAdminConfig",
    # django.contrib.auth and django-axes under the names staff know them by in the menu.
    "backoffice.apps.StaffAndRolesConfig",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # intcomma: counts grouped as the pages' scripts group them
    "import_export",
    "backoffice.apps.LoginSecurityConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "backoffice",
    "backoffice.accounts",
    "backoffice.kit.jobs",
    "catalog",
    "alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files (compressed, with far-future caching) without nginx.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second login step.
    "django_otp.middleware.OTPMiddleware",
    # Sessions that owe the second step reach only that step and logout.
    "backoffice.accounts.middleware.TwoFactorMiddleware",
    "backoffice.middleware.RequestActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backoffice.middleware.SessionIdleTimeoutMiddleware",
    # django-axes must come last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "backoffice" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Django's built-in widgets rendered by Jinja2 (docs/architecture.md#rendering).
FORM_RENDERER = "backoffice.kit.forms.FormRenderer"

# AxesStandaloneBackend first: it refuses a locked-out username+IP pair before any password
# is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# English only (no LocaleMiddleware, no translations): with the translation machinery off,
# every {% translate %}, gettext and date format skips the active-language lookup
# (dashboard render 17 -> 15 ms). Turn it back on together with LocaleMiddleware to translate.
USE_I18N = False
USE_TZ = True
# One date format everywhere: lists, the dashboard, history pages and the project's own
# columns ("30 Nov 2026, 14:05"). backoffice/formats hands these to Django, whose English
# format module would otherwise win (docs/architecture.md#dates-and-prices).
FORMAT_MODULE_PATH = ["backoffice.formats"]
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
MONTH_DAY_FORMAT = "j M"

STATIC_URL = "static/"
# backoffice/static is found as the backoffice app's static directory (no STATICFILES_DIRS,
# which would collect every file twice).
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Django's defaults; production.py swaps in hashed, compressed static files.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

# "menus": the admin's rendered menus in each process's own memory, so no outage of
# CACHE_URL's server fails a page (docs/architecture.md#rendering).
CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://"),
    "menus": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "menus"},
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="backoffice@localhost")

# The admin lives under this prefix (with a trailing slash); a less guessable one keeps
# drive-by scanners off the login page.
ADMIN_URL = env.str("ADMIN_URL", default="admin/")

# Sessions end after this many seconds without a request (8 hours by default).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
# The idle timer is pushed forward at most this often, so an ordinary request does not
# write the session row (see backoffice.middleware.SessionIdleTimeoutMiddleware).
SESSION_REFRESH_INTERVAL = env.int("SESSION_REFRESH_INTERVAL", default=5 * 60)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Login hardening (django-axes): after AXES_FAILURE_LIMIT failures for one username from one
# IP address, that pair is locked for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A password login must not wipe the wrong second-step codes counted for the pair:
# backoffice.accounts resets the pair itself once the whole login succeeded.
AXES_RESET_ON_SUCCESS = False
# Every failed login is kept (Axes > Access failures), not only the per-pair counters.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "backoffice.views.login_locked_out"
# The client address axes locks: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies that
# each append to X-Forwarded-For, the entry the outermost one added (backoffice.network).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "backoffice.network.client_ip_address"

LOGIN_URL = "admin:login"
# jazzmin's login form posts no "next" field: land on the dashboard, not /accounts/profile/.
LOGIN_REDIRECT_URL = "admin:index"

# Backoffice's own settings.
BACKOFFICE_LOW_STOCK_THRESHOLD = env.int("BACKOFFICE_LOW_STOCK_THRESHOLD", default=5)
# "immediate": one email per transaction that raised alerts (a save, a list edit, a whole
# import); "digest": send_alert_digest sends a daily summary.
BACKOFFICE_ALERT_EMAILS = env.str("BACKOFFICE_ALERT_EMAILS", default="immediate")

# Who must pass a second login step (a TOTP code or a recovery code): role group names and
# the word "superusers". Read on every request. Others may enrol of their own accord.
BACKOFFICE_TWO_FACTOR_REQUIRED = env.list(
    "BACKOFFICE_TWO_FACTOR_REQUIRED", default=["superusers", "User admins"]
)
# The name authenticator apps show next to the account.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Backoffice")

# Staff accounts. Invitation and password-reset links (Django's reset tokens, each under its
# own salt) work for this many hours.
BACKOFFICE_INVITATION_HOURS = env.int("BACKOFFICE_INVITATION_HOURS", default=72)
PASSWORD_RESET_TIMEOUT = BACKOFFICE_INVITATION_HOURS * 60 * 60
# Reset requests answered per email address and per client IP address in an hour, counted
# in the database so every web process shares the count.
BACKOFFICE_PASSWORD_RESET_PER_ADDRESS_PER_HOUR = env.int(
    "BACKOFFICE_PASSWORD_RESET_PER_ADDRESS_PER_HOUR", default=3
)
BACKOFFICE_PASSWORD_RESET_PER_IP_PER_HOUR = env.int(
    "BACKOFFICE_PASSWORD_RESET_PER_IP_PER_HOUR", default=20
)
# After someone else changes an account's address, no reset link goes to the new address for
# this many hours (the old address has been told and can object): a User admin cannot
# re-address an account and reset its password (backoffice.accounts.rules).
BACKOFFICE_ADDRESS_CHANGE_RESET_HOLD_HOURS = env.int(
    "BACKOFFICE_ADDRESS_CHANGE_RESET_HOLD_HOURS", default=24
)

# The shop's currency (ISO 4217 code): an imported price may carry its sign (€4.50, 12,90 €);
# a price in another currency is refused (backoffice.kit.importing.prices).
BACKOFFICE_CURRENCY = env.str("BACKOFFICE_CURRENCY", default="EUR")

# Bulk import and export (backoffice.kit.importing). Who may import or export is decided by
# the admin classes (add+change / view), not by import-export's permission settings; uploads
# wait between preview and confirm in default storage (shared by app servers).
# 100 MiB: a 1M-row product file is about 55 MB.
BACKOFFICE_IMPORT_MAX_BYTES = env.int("BACKOFFICE_IMPORT_MAX_BYTES", default=100 * 1024 * 1024)
# A file over BACKOFFICE_IMPORT_MAX_BYTES is refused as it arrives, before Django's own
# handlers store it (backoffice.kit.importing.uploads).
FILE_UPLOAD_HANDLERS = [
    "backoffice.kit.importing.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Exports of more rows than this run as jobs and are offered for download when written.
BACKOFFICE_EXPORT_JOB_MIN_ROWS = env.int("BACKOFFICE_EXPORT_JOB_MIN_ROWS", default=50_000)
# Export files are removed from storage this many hours after they were written (beat).
BACKOFFICE_EXPORT_MAX_AGE_HOURS = env.int("BACKOFFICE_EXPORT_MAX_AGE_HOURS", default=24)
# A validating, importing or exporting job whose worker showed no progress for this many
# minutes is failed by beat's sweep (backoffice.kit.jobs.sweeper); a live worker writes
# progress at least every few seconds.
BACKOFFICE_JOB_STALLED_MINUTES = env.int("BACKOFFICE_JOB_STALLED_MINUTES", default=30)
# Uploads of previews nobody confirmed are deleted after this many hours.
BACKOFFICE_IMPORT_UPLOAD_MAX_AGE_HOURS = env.int(
    "BACKOFFICE_IMPORT_UPLOAD_MAX_AGE_HOURS", default=24
)

# Background jobs on Celery (backoffice/celery.py; docs/operations.md). Production sets a
# Redis URL; without one, kombu's filesystem transport keeps the queue in var/celery/, so
# scripts/serve.sh's worker needs no server (one host only: web and worker share the folder).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
_CELERY_FOLDER = BASE_DIR / "var" / "celery"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_CELERY_FOLDER / "queue"),
        "data_folder_out": str(_CELERY_FOLDER / "queue"),
        "control_folder": str(_CELERY_FOLDER / "control"),
        "processed_folder": str(_CELERY_FOLDER / "processed"),
        "store_processed": False,
        "polling_interval": 0.5,
    }
    if CELERY_BROKER_URL.startswith("filesystem://")
    # Redis hands an unacknowledged message to another worker after this many seconds: it
    # must exceed the longest import, or a running import would be delivered twice (the
    # job's status makes that harmless, but it wastes a worker).
    else {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=6 * 60 * 60)}
)
# Job progress and results live on the job rows, never in a result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Long tasks: acknowledged after they finish, re-queued when the process running one dies
# (SIGKILL, out of memory), and one message reserved per worker process at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Celery beat: the daily low-stock digest (sent only with BACKOFFICE_ALERT_EMAILS=digest),
# the sweep of jobs whose worker stopped, the purge of old export files and email records.
CELERY_BEAT_SCHEDULE = {
    "alert-digest": {
        "task": "alerts.tasks.alert_digest_send",
        "schedule": crontab(hour=env.int("BACKOFFICE_DIGEST_HOUR", default=7), minute=0),
    },
    "jobs-stalled-sweep": {
        "task": "backoffice.kit.jobs.tasks.jobs_stalled_sweep_task",
        "schedule": crontab(minute="*/5"),
    },
    "jobs-files-purge": {
        "task": "backoffice.kit.jobs.tasks.jobs_files_purge_task",
        "schedule": crontab(minute=17),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(_CELERY_FOLDER / "beat-schedule")

from .jazzmin import JAZZMIN_SETTINGS, JAZZMIN_UI_TWEAKS  # noqa: E402, F401
