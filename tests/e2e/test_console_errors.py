"""No console error on any admin page for any role (issue 17, "Done when"): every page a demo
role may open (dashboard, each list, add form, one object's change, history and delete
pages, import and export, the app pages, password change, two-factor enrolment) is loaded in
Chromium; the page fixture fails the test on any console error, uncaught error or failed
request. Which pages a role may open is asked of each model's admin, as the menus do."""

from dataclasses import dataclass

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from backoffice.accounts.events import Kind, account_event_record
from catalog.models import Product
from tests.factories import ArticleFactory, ProductFactory, UserFactory
from tests.jobs.factories import ExportJobFactory, ImportJobFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROLES = ["superuser", "Inventory managers", "Editors", "User admins", "Viewers"]


@dataclass
class Visit:
    url: str
    why: str


def one_of_everything(users: list) -> None:
    """A row of every registered model, so each list and change page has something."""
    ProductFactory(sku="LOW-1", stock=1, low_stock_threshold=5)  # an alert and a movement
    ProductFactory(sku="GONE-1").delete()  # a deletion record
    ArticleFactory(slug="hello", author=users[0])
    for user in users:  # each sees their own jobs
        ImportJobFactory(created_by=user)
        ExportJobFactory(created_by=user)
    account_event_record(kind=Kind.INVITED, actor=users[0], target=users[-1])
    now = timezone.now()
    common = {"ip_address": "127.0.0.1", "user_agent": "test", "username": "someone"}
    AccessAttempt.objects.create(failures_since_start=1, get_data="", post_data="", **common)
    AccessFailureLog.objects.create(attempt_time=now, **common)
    AccessLog.objects.create(attempt_time=now, **common)


def pages_for(user) -> list[Visit]:
    request = RequestFactory().get("/admin/")
    request.user = user
    visits = [
        Visit(reverse("admin:index"), "dashboard"),
        Visit(reverse("admin:password_change"), "password change"),
        Visit(reverse("admin:two_factor_enrol"), "two-factor enrolment"),
    ]
    app_labels = set()
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        if not model_admin.has_view_or_change_permission(request):
            continue
        title = model.__name__
        app_labels.add(model._meta.app_label)
        visits.append(Visit(reverse(f"{name}_changelist"), f"{title} list"))
        if model_admin.has_add_permission(request):
            visits.append(Visit(reverse(f"{name}_add"), f"{title} add"))
        obj = model_admin.get_queryset(request).order_by("pk").first()
        if obj is not None and model_admin.has_view_or_change_permission(request, obj):
            visits.append(Visit(reverse(f"{name}_change", args=[obj.pk]), f"{title} change"))
            visits.append(Visit(reverse(f"{name}_history", args=[obj.pk]), f"{title} history"))
            if model_admin.has_delete_permission(request, obj):
                visits.append(Visit(reverse(f"{name}_delete", args=[obj.pk]), f"{title} delete"))
        for step, may in [
            ("import", getattr(model_admin, "has_import_permission", None)),
            ("export", getattr(model_admin, "has_export_permission", None)),
        ]:
            try:
                url = reverse(f"{name}_{step}")
            except NoReverseMatch:
                continue
            if may is not None and may(request):
                visits.append(Visit(url, f"{title} {step}"))
    for label in sorted(app_labels):
        visits.append(Visit(reverse("admin:app_list", args=[label]), f"{label} app page"))
    return visits


@pytest.mark.parametrize("role", ROLES)
def test_no_console_error_on_any_admin_page(page, signed_in, role, browser_problems):
    if role == "superuser":
        user = UserFactory(username="root", is_superuser=True)
    else:
        user = UserFactory(username=role.lower().replace(" ", "-"), groups=[role])
    one_of_everything([user, UserFactory(username="staff-member", groups=["Viewers"])])
    assert Product.objects.filter(sku="LOW-1").exists()
    signed_in(user)

    visits = pages_for(user)
    # Each role opens its lists and more: a superuser ~65 pages, a User admin ~20.
    assert len(visits) >= 15, [visit.why for visit in visits]
    for visit in visits:
        response = page.goto(visit.url)
        where = f"{role}: {visit.why} ({visit.url})"
        assert response.status == 200, f"{where} answered {response.status}"
        page.wait_for_load_state("load")
        # Report the page each problem came from.
        problems = browser_problems.unexpected
        assert not problems, f"{where}:\n" + "\n".join(problems)
