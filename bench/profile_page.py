"""cProfile one admin page rendered through Django's test client (production settings).

    DATABASE_URL=sqlite:////tmp/bench_large.sqlite3 .venv/bin/python bench/profile_page.py \\
        /admin/catalog/product/ --runs 20 --top 40

Logs in the bench superuser with force_login, warms the page up once, then profiles --runs
renders and prints the functions with the most cumulative and own time.
"""

import argparse
import cProfile
import pstats
import time

from _django import collect_static, setup, two_factor_login


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="URL path, e.g. /admin/ or /admin/catalog/product/?q=TEA-00")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (or 'tottime')")
    arguments = parser.parse_args()

    collect_static()
    setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench-superuser", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    two_factor_login(client, user)
    response = client.get(arguments.path, secure=True)
    if response.status_code != 200:
        raise SystemExit(f"{arguments.path} answered {response.status_code}")

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(arguments.runs):
        client.get(arguments.path, secure=True)
    profiler.disable()
    elapsed = (time.perf_counter() - started) / arguments.runs
    print(f"{arguments.path}: {elapsed * 1000:.1f} ms per render (profiled) over {arguments.runs}")
    pstats.Stats(profiler).sort_stats(arguments.sort).print_stats(arguments.top)


if __name__ == "__main__":
    main()
