"""Where a list page's CPU goes: the page as it is beside the same page without one column.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bo_perf_large .venv/bin/python \\
        bench/list_columns_bench.py catalog.product
    .venv/bin/python bench/list_columns_bench.py catalog.product --query stock_state=low

Renders a model admin's changelist (Django's test client, a two-factor-verified superuser,
production settings; docs/performance.md) as it is, then with one list_display column left
out at a time (a list_editable column leaves the formset too), without the selection
checkboxes (no actions) and without list_editable; and, for the frame every admin page pays
(middleware, jazzmin's menus and top bar), the password-change page. The variants take
turns in every round, so whatever else the machine does hits them alike. Printed per
variant: the lowest and the median CPU time of the web process per request, and what leaving
it out saves of the lowest (the work itself; the median also holds what the machine's other
load cost it, which on a shared 2-core machine varies by tens of percent between requests).

The model admin's attributes are changed in this process only, to measure: the project is
not changed. Any seeded database will do (bench/seed_scale.py); rows a page: list_per_page.
"""

import argparse
import statistics
import time

from _django import calibration, collect_static, setup, two_factor_login


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="app_label.model_name, e.g. catalog.product")
    parser.add_argument("--query", default="", help="query string, e.g. stock_state=low")
    parser.add_argument("--rounds", type=int, default=25)
    arguments = parser.parse_args()

    collect_static()
    setup()
    from django.apps import apps
    from django.contrib import admin
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    print(f"({calibration()} at the start)")
    model = apps.get_model(arguments.model)
    model_admin = admin.site.get_model_admin(model)
    as_is = {
        "list_display": list(model_admin.list_display),
        "list_editable": list(model_admin.list_editable),
        "actions": model_admin.actions,
    }

    def without_column(column: str):
        def change() -> None:
            for name in ("list_display", "list_editable"):
                setattr(model_admin, name, [c for c in as_is[name] if c != column])

        return change

    list_url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    list_url += f"?{arguments.query}" if arguments.query else ""
    variants = {"the page as it is": (list_url, lambda: None)}
    linked = model_admin.list_display_links or as_is["list_display"][:1]
    for column in as_is["list_display"]:
        if column not in linked:
            variants[f"without {column}"] = (list_url, without_column(column))
    variants["without actions"] = (list_url, lambda: setattr(model_admin, "actions", None))
    if as_is["list_editable"]:
        variants["without list_editable"] = (
            list_url,
            lambda: setattr(model_admin, "list_editable", []),
        )
    variants["frame: password change"] = (reverse("admin:password_change"), lambda: None)

    user, _ = get_user_model().objects.get_or_create(
        username="bench-superuser", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    two_factor_login(client, user)
    samples: dict[str, list[float]] = {label: [] for label in variants}
    for round_number in range(arguments.rounds + 1):
        for label, (url, change) in variants.items():
            for name, value in as_is.items():
                setattr(model_admin, name, list(value) if isinstance(value, list) else value)
            change()
            started = time.process_time()
            response = client.get(url, secure=True)
            cpu = time.process_time() - started
            if response.status_code != 200:
                raise SystemExit(f"{label}: {url} answered {response.status_code}")
            if round_number:  # the first round warms up (templates, connections)
                samples[label].append(cpu)

    whole = min(samples["the page as it is"]) * 1000
    print(f"\n{list_url}: CPU of the web process per request, over {arguments.rounds} requests")
    print(f"{'variant':40s} {'lowest':>7s} {'median':>7s} {'saves ms':>9s} {'share':>6s}")
    for label, values in samples.items():
        lowest, median = min(values) * 1000, statistics.median(values) * 1000
        line = f"{label:40s} {lowest:7.1f} {median:7.1f}"
        if label.startswith("frame"):
            print(f"{line} {'':9s} {lowest / whole:6.0%} of the page")
        elif label == "the page as it is":
            print(line)
        else:
            print(f"{line} {whole - lowest:9.1f} {(whole - lowest) / whole:6.0%}")
    print(f"({calibration()} at the end)")


if __name__ == "__main__":
    main()
