"""The whole permission matrix: every admin URL and action x every role, checked server-side.

The URLs and actions are discovered from the admin site (`admin.site._registry`, each
ModelAdmin's `get_urls()` and `get_actions()`, the site's own URLs). Each must be classified
below with the permission it needs, derived from backoffice/accounts/roles.py's ROLE_PERMISSIONS:
an admin feature added without a classification fails test_every_admin_url_is_classified /
test_every_action_is_classified, and one whose view forgets the permission check fails the
role x URL tests.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.test import Client, RequestFactory, override_settings
from django.urls import URLPattern, reverse

from backoffice.accounts.roles import ROLE_PERMISSIONS
from tests.factories import ArticleFactory, ProductFactory, UserFactory

SUPERUSER = "superuser"
STAFF_WITHOUT_GROUP = "staff without a group"
ANONYMOUS = "anonymous"
ROLES = [*ROLE_PERMISSIONS, SUPERUSER, STAFF_WITHOUT_GROUP, ANONYMOUS]


def role_permissions(role: str) -> set[str]:
    """The "app_label.codename" permissions a role's group holds, from the role table."""
    return {
        f"{label.split('.')[0]}.{action}_{label.split('.')[1]}"
        for label, actions in ROLE_PERMISSIONS.get(role, {}).items()
        for action in actions
    }


@dataclass(frozen=True)
class Needs:
    """Allowed when every permission of one alternative is held; superusers pass unless
    `nobody` (the admin refuses everyone, e.g. adding a system-written record)."""

    alternatives: tuple[frozenset[str], ...] = ()
    staff: bool = False  # any logged-in staff user
    public: bool = False
    nobody: bool = False

    def allows(self, role: str) -> bool:
        if self.public:
            return True
        if role == ANONYMOUS or self.nobody:
            return False
        if role == SUPERUSER or self.staff:
            return True
        held = role_permissions(role)
        return any(alternative <= held for alternative in self.alternatives)


def perms(*alternatives: str | tuple[str, ...]) -> Needs:
    return Needs(tuple(frozenset([alt] if isinstance(alt, str) else alt) for alt in alternatives))


STAFF = Needs(staff=True)
PUBLIC = Needs(public=True)
NOBODY = Needs(nobody=True)
SUPERUSERS = Needs()
PRODUCT_IMPORTERS = perms(("catalog.add_product", "catalog.change_product"))


def model_needs(label: str, view_name: str) -> list[tuple[str, Needs]]:
    """(method, needs) for a standard ModelAdmin or import-export URL of model `label`."""
    app_label, model_name = label.split(".")

    def perm(action: str) -> str:
        return f"{app_label}.{action}_{model_name}"

    view = perms(perm("view"), perm("change"))
    return {
        "changelist": [("GET", view)],
        "add": [("GET", perms(perm("add")))],
        "change": [("GET", view), ("POST", perms(perm("change")))],
        "history": [("GET", view)],
        "delete": [("GET", perms(perm("delete")))],
        # Import needs add and change, export needs view (the roles table in the README).
        "import": [("GET", perms((perm("add"), perm("change"))))],
        "process_import": [("POST", perms((perm("add"), perm("change"))))],
        "export": [("GET", view)],
    }.get(view_name)


# URLs whose rule differs from model_needs, or that model_needs does not know. A URL missing
# from both is unclassified and fails the test.
URL_RULES: dict[str, list[tuple[str, Needs]]] = {
    # Django's admin site.
    "index": [("GET", STAFF)],
    "login": [("GET", PUBLIC)],
    "logout": [("GET", NOBODY), ("POST", STAFF)],  # Django 5: logout is POST only
    "password_change": [("GET", STAFF)],
    "password_change_done": [("GET", STAFF)],
    "jsi18n": [("GET", STAFF)],
    # No ModelAdmin uses autocomplete_fields, so no request can be a valid one.
    "autocomplete": [("GET", NOBODY)],
    "view_on_site": [("GET", STAFF)],
    # The second login step (backoffice.accounts.two_factor_views): any staff session; each
    # page's own rules are tested in tests/accounts/test_two_factor.py.
    "two_factor_enrol": [("GET", STAFF)],
    "two_factor_verify": [("GET", STAFF)],
    "two_factor_recovery_codes": [("POST", STAFF)],
    # app_list is generated per app below.
    # Django's UserAdmin.
    # Nobody sets another person's password, superusers included (backoffice.accounts.rules).
    "auth_user_password_change": [("GET", NOBODY)],
    # django-axes: login records, superusers only (no role holds an axes permission).
    "axes_accessattempt_add": [("GET", NOBODY)],
    "axes_accesslog_add": [("GET", NOBODY)],
    "axes_accessfailurelog_add": [("GET", NOBODY)],
    # accounts: the record of account changes, read by superusers, written by the system.
    "accounts_accountevent_add": [("GET", NOBODY)],
    "accounts_accountevent_change": [
        ("GET", perms("accounts.view_accountevent")),
        ("POST", NOBODY),
    ],
    "accounts_accountevent_delete": [("GET", NOBODY)],
    # alerts: history written by the system, never added, edited or deleted by hand.
    "alerts_stockalert_add": [("GET", NOBODY)],
    "alerts_stockalert_change": [("GET", perms("alerts.view_stockalert")), ("POST", NOBODY)],
    "alerts_stockalert_delete": [("GET", NOBODY)],
    "alerts_stockalert_acknowledge": [("POST", perms("alerts.acknowledge_stockalert"))],
    "alerts_deletionrecord_add": [("GET", NOBODY)],
    "alerts_deletionrecord_change": [
        ("GET", perms("alerts.view_deletionrecord")),
        ("POST", NOBODY),
    ],
    "alerts_deletionrecord_delete": [("GET", NOBODY)],
    # catalog: the stock ledger is written by the system only; superusers cannot edit it.
    "catalog_stockmovement_add": [("GET", NOBODY)],
    "catalog_stockmovement_change": [
        ("GET", perms("catalog.view_stockmovement")),
        ("POST", NOBODY),
    ],
    "catalog_stockmovement_delete": [("GET", NOBODY)],
    "catalog_stockmovement_import": [("GET", NOBODY)],
    "catalog_stockmovement_process_import": [("POST", NOBODY)],
    # The object under test is a deleted Product: restoring it needs catalog.add_product.
    "alerts_deletionrecord_restore": [("POST", perms("catalog.add_product"))],
    # Jobs: every staff user has the lists (holding only the jobs they may see); the object
    # under test is another user's product import, seen by who may import products, and
    # another user's export, seen by superusers only. Nobody adds, edits or deletes a job.
    "jobs_importjob_changelist": [("GET", STAFF)],
    "jobs_importjob_add": [("GET", NOBODY)],
    "jobs_importjob_change": [("GET", PRODUCT_IMPORTERS), ("POST", NOBODY)],
    "jobs_importjob_history": [("GET", PRODUCT_IMPORTERS)],
    "jobs_importjob_delete": [("GET", NOBODY)],
    "jobs_importjob_progress": [("GET", PRODUCT_IMPORTERS)],
    "jobs_importjob_cancel": [("POST", PRODUCT_IMPORTERS)],
    "jobs_exportjob_changelist": [("GET", STAFF)],
    "jobs_exportjob_add": [("GET", NOBODY)],
    "jobs_exportjob_change": [("GET", SUPERUSERS), ("POST", NOBODY)],
    "jobs_exportjob_history": [("GET", SUPERUSERS)],
    "jobs_exportjob_delete": [("GET", NOBODY)],
    "jobs_exportjob_progress": [("GET", SUPERUSERS)],
    "jobs_exportjob_download": [("GET", SUPERUSERS)],
    # The matrix's export is done (for its download), so cancelling it answers with a
    # message only; who cancels a running one: tests/jobs/test_export_job_progress.py.
    "jobs_exportjob_cancel": [("POST", SUPERUSERS)],
}
# A job the user may not see answers 404, as a missing one does (nothing tells which job ids
# exist); one they see but may not change answers 403.
DENIED_STATUSES = {name: {403, 404} for name in URL_RULES if name.startswith("jobs_")}
# Apps whose page shows to every staff user (their lists filter the rows instead).
APP_LIST_RULES = {"jobs": STAFF}

# Standard suffixes model_needs understands, longest first (process_import before import).
MODEL_VIEW_NAMES = sorted(
    ["changelist", "add", "change", "history", "delete", "import", "process_import", "export"],
    key=len,
    reverse=True,
)


@dataclass(frozen=True)
class UrlCheck:
    name: str
    method: str
    needs: Needs
    model_label: str | None = None  # the object's model, for URLs taking an object's pk
    object_kwarg: str | None = None  # that pk's URL argument ("object_id", "id")
    kwargs: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        return f"{self.method} {self.name}"


def _classify(name: str, model_label: str | None) -> list[tuple[str, Needs]] | None:
    if name in URL_RULES:
        return URL_RULES[name]
    if model_label is None:
        return None
    prefix = model_label.replace(".", "_").lower() + "_"
    suffix = name.removeprefix(prefix)
    if suffix in MODEL_VIEW_NAMES and name.startswith(prefix):
        return model_needs(model_label, suffix)
    return None


def discover_urls() -> tuple[list[UrlCheck], list[str]]:
    """Every named admin URL as checks, and the names nobody classified."""
    checks, unclassified = [], []
    site_patterns = [p for p in admin.site.get_urls() if isinstance(p, URLPattern)]
    sources: list[tuple[URLPattern, str | None]] = [(p, None) for p in site_patterns]
    for model, model_admin in admin.site._registry.items():
        sources += [(p, model._meta.label_lower) for p in model_admin.get_urls()]
    seen = set()
    for pattern, model_label in sources:
        name = pattern.name
        # Unnamed: the "<object_id>/" redirect to the change view; the change view is checked.
        if name is None or (name, model_label) in seen:
            continue
        seen.add((name, model_label))
        if name == "app_list":
            for app_label in sorted({m._meta.app_label for m in admin.site._registry}):
                checks.append(
                    UrlCheck(
                        "app_list",
                        "GET",
                        APP_LIST_RULES.get(app_label)
                        or Needs(
                            alternatives=tuple(frozenset([p]) for p in _app_permissions(app_label))
                        ),
                        kwargs=(("app_label", app_label),),
                    )
                )
            continue
        rules = _classify(name, model_label)
        if rules is None:
            unclassified.append(name)
            continue
        object_kwarg = next(iter(pattern.pattern.converters), None)
        for method, needs in rules:
            checks.append(UrlCheck(name, method, needs, object_kwarg and model_label, object_kwarg))
    return checks, unclassified


def _app_permissions(app_label: str) -> set[str]:
    """Every permission of the role table in `app_label` (any one shows the app's page)."""
    return {
        p
        for role in ROLE_PERMISSIONS
        for p in role_permissions(role)
        if p.startswith(f"{app_label}.")
    }


URL_CHECKS, UNCLASSIFIED_URLS = discover_urls()


# --- actions -------------------------------------------------------------------------------

# Actions offered without @admin.action(permissions=...): the permission their admin checks.
ACTION_RULES: dict[tuple[str, str], Needs] = {
    # import-export adds it only when has_export_permission (view) holds.
    **{
        (label, "export_admin_action"): perms(
            f"{label.split('.')[0]}.view_{label.split('.')[1]}",
            f"{label.split('.')[0]}.change_{label.split('.')[1]}",
        )
        for label in ("catalog.product", "catalog.article", "catalog.stockmovement", "auth.user")
    },
    # Removing someone's second factor: superusers only (no role holds it).
    ("auth.user", "reset_two_factor"): Needs(),
    # Offered on every staff user's job list; it cancels only jobs that list holds.
    ("jobs.importjob", "cancel_jobs"): STAFF,
    ("jobs.exportjob", "cancel_jobs"): STAFF,
    # axes' own action has no permission of its own; only superusers see the changelist.
    ("axes.accessattempt", "cleanup_expired_attempts"): perms(
        "axes.view_accessattempt", "axes.change_accessattempt"
    ),
}
# Custom action permissions (has_<name>_permission on the admin) mapped to the role table.
CUSTOM_ACTION_PERMISSIONS: dict[tuple[str, str], Needs] = {
    ("alerts.stockalert", "acknowledge"): perms("alerts.acknowledge_stockalert"),
    # Offered to who may add any restorable model; each record is then checked by model.
    ("alerts.deletionrecord", "restore"): perms(
        "catalog.add_product", "catalog.add_article", "auth.add_user"
    ),
}


def _superuser_request():
    request = RequestFactory().get("/admin/")
    request.user = User(username="matrix-root", is_superuser=True, is_staff=True, is_active=True)
    return request


@dataclass(frozen=True)
class ActionCheck:
    model_label: str
    action: str
    needs: Needs

    def __str__(self) -> str:
        return f"{self.model_label}:{self.action}"


def discover_actions() -> tuple[list[ActionCheck], list[str]]:
    checks, unclassified = [], []
    request = _superuser_request()
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        app_label, model_name = label.split(".")
        for action_name, (function, _name, _description) in model_admin.get_actions(
            request
        ).items():
            needs = ACTION_RULES.get((label, action_name))
            allowed_permissions = getattr(function, "allowed_permissions", None)
            if needs is None and allowed_permissions:
                alternatives = []
                for permission in allowed_permissions:
                    if permission in {"add", "change", "delete", "view"}:
                        alternatives.append(f"{app_label}.{permission}_{model_name}")
                    elif (label, permission) in CUSTOM_ACTION_PERMISSIONS:
                        alternatives.extend(
                            next(iter(a))
                            for a in CUSTOM_ACTION_PERMISSIONS[(label, permission)].alternatives
                        )
                    else:
                        alternatives = None
                        break
                # Django offers the action when any one of its permissions is held.
                needs = perms(*alternatives) if alternatives else None
            if needs is None:
                unclassified.append(f"{label}:{action_name}")
                continue
            checks.append(ActionCheck(label, action_name, needs))
    return checks, unclassified


ACTION_CHECKS, UNCLASSIFIED_ACTIONS = discover_actions()


# --- objects the URLs and actions act on ---------------------------------------------------


def _low_stock_alert():
    from alerts.models import StockAlert

    product = ProductFactory(stock=1, low_stock_threshold=5)
    return StockAlert.objects.get(product=product)


def _deleted_product_record():
    from alerts.models import DeletionRecord

    product = ProductFactory()
    pk = product.pk
    product.delete()
    return DeletionRecord.objects.get(object_pk=str(pk), content_type__model="product")


def _access_attempt():
    from axes.models import AccessAttempt

    return AccessAttempt.objects.create(
        username="someone", ip_address="203.0.113.9", user_agent="test", failures_since_start=1
    )


def _access_log():
    from axes.models import AccessLog

    return AccessLog.objects.create(username="someone", ip_address="203.0.113.9", user_agent="t")


def _access_failure_log():
    from axes.models import AccessFailureLog

    return AccessFailureLog.objects.create(
        username="someone", ip_address="203.0.113.9", user_agent="t", locked_out=False
    )


def _account_event():
    from backoffice.accounts.models import AccountEvent

    return AccountEvent.objects.create(kind="invited", target_username="someone")


def _import_job():
    from tests.jobs.factories import ImportJobFactory

    return ImportJobFactory(created_by=UserFactory(username="job-owner"), status="ready")


def _export_job():
    from tests.jobs.factories import ExportJobFactory

    return ExportJobFactory(created_by=UserFactory(username="job-owner"), done=True)


OBJECT_FACTORIES: dict[str, Callable[[], object]] = {
    "accounts.accountevent": _account_event,
    "jobs.importjob": _import_job,
    "jobs.exportjob": _export_job,
    "catalog.product": ProductFactory,
    "catalog.article": ArticleFactory,
    "catalog.stockmovement": lambda: ProductFactory().stock_movements.get(),
    "auth.user": lambda: UserFactory(username="target"),
    "auth.group": lambda: Group.objects.get(name="Viewers"),
    "alerts.stockalert": _low_stock_alert,
    "alerts.deletionrecord": _deleted_product_record,
    "axes.accessattempt": _access_attempt,
    "axes.accesslog": _access_log,
    "axes.accessfailurelog": _access_failure_log,
}

# How to tell that a POST endpoint acted (it answers with a redirect either way).
EFFECTS: dict[str, Callable[[object], bool]] = {
    "jobs_importjob_cancel": lambda job: type(job).objects.get(pk=job.pk).status == "cancelled",
    "alerts_stockalert_acknowledge": lambda alert: type(alert).objects.get(pk=alert.pk).status
    == "acknowledged",
    "alerts_deletionrecord_restore": lambda record: type(record)
    .objects.get(pk=record.pk)
    .restored_at
    is not None,
}


def client_for(role: str) -> Client:
    client = Client()
    if role == ANONYMOUS:
        return client
    if role == SUPERUSER:
        user = UserFactory(username="root", is_superuser=True)
    elif role == STAFF_WITHOUT_GROUP:
        user = UserFactory(username="staff")
    else:
        user = UserFactory(username=role.lower().replace(" ", "-"), groups=[role])
    client.force_login(user)
    client.user = user
    return client


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login/" in response["Location"]


# --- the tests -----------------------------------------------------------------------------


def test_every_admin_url_is_classified():
    assert UNCLASSIFIED_URLS == [], (
        "Admin URLs without a permission rule: add them to URL_RULES in this file "
        "(and make sure their views check that permission)."
    )


def test_every_action_is_classified():
    assert UNCLASSIFIED_ACTIONS == [], (
        "Admin actions without @admin.action(permissions=...) or a rule in ACTION_RULES."
    )


def test_every_model_with_object_urls_has_an_object_factory():
    missing = {c.model_label for c in URL_CHECKS if c.model_label} - set(OBJECT_FACTORIES)
    assert missing == set()


def test_matrix_size():
    """Printed with -s for the issue's closing note."""
    print(
        f"\npermission matrix: {len(ROLES)} roles x {len(URL_CHECKS)} URL checks "
        f"= {len(ROLES) * len(URL_CHECKS)}, plus {len(ROLES) - 1} roles x "
        f"{len(ACTION_CHECKS)} actions = {(len(ROLES) - 1) * len(ACTION_CHECKS)}"
    )
    assert len(URL_CHECKS) >= 60
    assert len(ACTION_CHECKS) >= 10


def request_check(client, check):
    """Request the check's URL (its object made first); returns the response and the object."""
    kwargs = dict(check.kwargs)
    target = None
    if check.model_label:
        target = OBJECT_FACTORIES[check.model_label]()
        kwargs[check.object_kwarg] = target.pk
    if check.name == "view_on_site":
        product = ProductFactory()
        kwargs = {
            "content_type_id": ContentType.objects.get_for_model(product).pk,
            "object_id": product.pk,
        }
    url = reverse(f"admin:{check.name}", kwargs=kwargs)
    response = client.post(url, {}) if check.method == "POST" else client.get(url)
    return response, target


@pytest.mark.django_db
@pytest.mark.parametrize("check", URL_CHECKS, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_url_is_allowed_exactly_for_the_roles_that_hold_its_permission(role, check):
    response, target = request_check(client_for(role), check)
    allowed = check.needs.allows(role)

    if check.name in EFFECTS:
        assert EFFECTS[check.name](target) is allowed
        if role == ANONYMOUS:
            assert is_login_redirect(response)
        return

    if allowed:
        assert response.status_code in (200, 302), response.status_code
        assert not is_login_redirect(response)
    elif role == ANONYMOUS and check.name == "logout":
        assert response["Location"] == reverse("admin:index")  # and from there to login
    elif role == ANONYMOUS and check.name != "login":
        assert is_login_redirect(response), response.status_code
    elif check.name == "app_list":
        assert response.status_code == 404  # Django hides apps with no permitted model
    elif check.name == "logout":
        assert response.status_code == 405
    else:
        assert response.status_code in DENIED_STATUSES.get(check.name, {403}), response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize("check", ACTION_CHECKS, ids=str)
@pytest.mark.parametrize("role", [r for r in ROLES if r != ANONYMOUS])
def test_action_is_offered_exactly_to_the_roles_that_hold_its_permission(role, check):
    client = client_for(role)
    model_admin = next(
        ma for m, ma in admin.site._registry.items() if m._meta.label_lower == check.model_label
    )
    request = RequestFactory().get("/admin/")
    request.user = client.user
    # Offered = on a changelist the role may open, in the action menu.
    offered = model_admin.has_view_or_change_permission(request) and (
        check.action in model_admin.get_actions(request)
    )
    allowed = check.needs.allows(role)
    assert offered is allowed

    if allowed:
        return
    # Not offered: a forged POST must not run it either.
    target = OBJECT_FACTORIES[check.model_label]()
    app_label, model_name = check.model_label.split(".")
    response = client.post(
        reverse(f"admin:{app_label}_{model_name}_changelist"),
        {"action": check.action, "_selected_action": [target.pk], "index": "0"},
    )
    if response.status_code == 403:
        return  # cannot even see the list
    # Django refuses an action that is not on offer with "No action selected." (302), or,
    # when the role has no action at all on this list, just shows the list again (200).
    assert response.status_code in (200, 302)
    assert {str(m) for m in get_messages(response.wsgi_request)} <= {"No action selected."}
    if response.status_code == 200:
        assert "cl" in response.context  # the list itself, not a confirmation page
        assert "deletable_objects" not in response.context


# --- the second login step ---------------------------------------------------------------

# What a session owing the second step may still open (backoffice.accounts.middleware).
OPEN_TO_A_PENDING_SESSION = {
    "login",
    "logout",
    "two_factor_enrol",
    "two_factor_verify",
    "two_factor_recovery_codes",
}


@pytest.mark.django_db
@override_settings(BACKOFFICE_TWO_FACTOR_REQUIRED=["superusers", "User admins"])
@pytest.mark.parametrize(
    "check", [c for c in URL_CHECKS if c.name not in OPEN_TO_A_PENDING_SESSION], ids=str
)
@pytest.mark.parametrize("role", [SUPERUSER, "User admins"])
def test_a_session_owing_the_second_step_reaches_no_admin_url(role, check):
    """force_login is a password login: without the code, every admin URL sends the session
    to the second step and does nothing, whatever the role may do once verified."""
    response, target = request_check(client_for(role), check)
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith(reverse("admin:two_factor_verify"))
    if check.name in EFFECTS:
        assert EFFECTS[check.name](target) is False


@pytest.mark.django_db
@override_settings(BACKOFFICE_TWO_FACTOR_REQUIRED=["superusers", "User admins"])
@pytest.mark.parametrize("role", [SUPERUSER, "User admins"])
def test_the_same_session_reaches_the_admin_once_verified(role):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = client_for(role)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 302
    device = TOTPDevice.objects.create(user=client.user, name="app")
    code = TOTP(device.bin_key).token()
    client.post(reverse("admin:two_factor_verify"), {"code": f"{code:06d}"})
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
