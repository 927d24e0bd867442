"""Development on one machine: debug on, console email, a throwaway secret key."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-local-development-only")
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# The demo logins work with a password alone; anyone may still enrol (user menu > Two-factor
# login). Production keeps base's ["superusers", "User admins"].
BACKOFFICE_TWO_FACTOR_REQUIRED = env.list("BACKOFFICE_TWO_FACTOR_REQUIRED", default=[])
