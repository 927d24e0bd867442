"""How every Celery task that sends email retries (docs/architecture.md#background-jobs).

An unreachable or refusing mail server (SMTPException, or an OSError such as "connection
refused" or a timeout) is retried after 1, 2, 4 … minutes, up to about 2 hours in all:
`@shared_task(**EMAIL_RETRY)`.
"""

import smtplib

EMAIL_RETRY = {
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": 60,
    "retry_backoff_max": 60 * 60,
    "retry_jitter": False,
    "max_retries": 7,
}
