"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py backoffice.wsgi`.

Read by gunicorn, not Django; the variables are documented in .env.example.
"""

import gc
import multiprocessing
import os

wsgi_app = "backoffice.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Long enough for a large CSV import; a stuck worker is still replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 1000
# Workers are forked from a master that has loaded Django already: a worker recycled after
# max_requests is up at once instead of spending ~1 s of CPU importing the project (under
# load that was ~5% of the dashboard's throughput). Nothing connects at import time.
preload_app = True
max_requests_jitter = 100
# The load balancer's address(es): only they may set X-Forwarded-For/-Proto.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def pre_fork(server, worker):
    """Move everything the preloaded master holds out of the garbage collector's reach.

    A worker's full collections then walk only what it allocated itself, not the ~85k objects
    of the loaded project, and leave the master's pages shared instead of copying them
    (Python's gc.freeze() documentation: freeze right before fork). Frozen objects are never
    freed: they live as long as the master anyway.
    """
    gc.freeze()
