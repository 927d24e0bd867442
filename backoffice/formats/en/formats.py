"""The shop's one date format, from the settings (docs/architecture.md#dates-and-prices).

Django's own English format module takes precedence over the DATE_FORMAT family of
settings; found first through FORMAT_MODULE_PATH, this module hands Django the settings'
values instead. The input formats are not set here: Django's English ones still apply.
"""

from django.conf import settings

DATE_FORMAT = settings.DATE_FORMAT
DATETIME_FORMAT = settings.DATETIME_FORMAT
TIME_FORMAT = settings.TIME_FORMAT
SHORT_DATE_FORMAT = settings.SHORT_DATE_FORMAT
SHORT_DATETIME_FORMAT = settings.SHORT_DATETIME_FORMAT
MONTH_DAY_FORMAT = settings.MONTH_DAY_FORMAT
