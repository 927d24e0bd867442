"""Odd values in what a change list is given, on every registered admin: its declared
filters' parameters, the rows an action is asked to act on, the rows of a list edit and of
"Export selected". A value the field cannot hold (not a number, beyond the database's
integer range, a date whose time zone shift leaves the calendar, a year the calendar has
not, a NUL character) answers 400, never 500
(docs/security.md#odd-ids-and-list-parameters-never-answer-500).

The filter parameters are derived from each admin's list_filter, so a filter added later
is tried without being listed here."""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import NoReverseMatch, reverse

from backoffice.kit.lookups import declared_filter_parameters
from tests.factories import ArticleFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

HUGE = ["9" * 19, "9" * 40]
ODD_DATES = ["0001-01-01 00:00:00+01:00", "9999-12-31 23:59:59-01:00", "0001-01-01"]
ODD_YEARS = ["10000", "-1", "0", *HUGE]
NUL = "a\x00b"


def changelist_url(model) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    except NoReverseMatch:
        return None


ADMINS = sorted(
    (
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if changelist_url(model)
    ),
    key=lambda item: item[0]._meta.label,
)


def odd_filter_queries(model_admin) -> list[dict[str, str]]:
    """Odd values for the parameters Django's list filters put in the URL."""
    paths, _ = declared_filter_parameters(model_admin, None)
    queries = []
    for path in sorted(paths):
        field = model_admin.model._meta.get_field(path.split("__")[0])
        if field.is_relation:
            names = [path, f"{path}__exact", f"{path}__in", f"{path}__{field.target_field.name}"]
            names += [f"{path}__{field.target_field.name}__exact", f"{path}__gt"]
            queries += [{name: value} for name in names for value in [*HUGE, NUL]]
        elif field.get_internal_type() in ("DateTimeField", "DateField"):
            for suffix in ("gte", "lt", "exact", "in"):
                queries += [{f"{path}__{suffix}": value} for value in ODD_DATES]
            queries += [{f"{path}__year": value} for value in ODD_YEARS]
            queries += [{f"{path}__month": "99999999999999999999"}, {f"{path}__day": NUL}]
        else:
            queries += [{f"{path}__exact": value} for value in [NUL, *HUGE]]
    return queries


@pytest.fixture
def data(db):
    ProductFactory(stock=1, low_stock_threshold=5)  # an alert too
    ArticleFactory()
    UserFactory(username="someone")


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=lambda x: getattr(x, "__name__", ""))
def test_odd_filter_values_answer_400(superuser_client, data, model, model_admin):
    superuser_client.raise_request_exception = False
    url = changelist_url(model)
    answers = {}
    for query in odd_filter_queries(model_admin):
        status = superuser_client.get(url, query).status_code
        if status not in (200, 302, 400):  # 302: Django's "?e=1" for a value it cannot parse
            answers[repr(query)] = status
    assert answers == {}


def test_the_filters_walk_tries_dates_relations_and_years():
    tried = {
        name
        for _, model_admin in ADMINS
        for query in odd_filter_queries(model_admin)
        for name in query
    }
    assert {"created_at__year", "created_at__gte", "author__in", "groups__id__exact"} <= tried


@pytest.mark.parametrize(
    ("url_name", "query"),
    [
        ("catalog_stockmovement_changelist", {"created_at__year": "10000"}),
        ("catalog_stockmovement_changelist", {"created_at__gte": "0001-01-01 00:00:00+01:00"}),
        ("catalog_stockmovement_export", {"created_at__year": "10000"}),
        ("catalog_article_changelist", {"author__in": "9" * 19}),
        ("catalog_article_export", {"author": "9" * 19}),
        ("auth_user_changelist", {"groups": "9" * 19}),
        ("alerts_deletionrecord_changelist", {"deleted_at__lt": "9999-12-31 23:59:59-01:00"}),
    ],
)
def test_odd_filter_values_are_refused_with_400(superuser_client, data, url_name, query):
    assert superuser_client.get(reverse(f"admin:{url_name}"), query).status_code == 400


def test_the_declared_filters_still_answer(superuser_client, data):
    for url_name, query in [
        ("catalog_stockmovement_changelist", {"created_at__gte": "2026-11-01 00:00:00+00:00"}),
        ("catalog_article_changelist", {"author__id__exact": "1"}),
        ("auth_user_changelist", {"groups__id__exact": "1"}),
        ("alerts_deletionrecord_changelist", {"deleted_at__gte": "2026-11-01 00:00:00+00:00"}),
    ]:
        assert superuser_client.get(reverse(f"admin:{url_name}"), query).status_code == 200


def actions_of(model_admin, request) -> list[str]:
    return [name for name, _ in model_admin.get_action_choices(request)[1:]]


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=lambda x: getattr(x, "__name__", ""))
def test_actions_on_odd_rows_answer_400(superuser_client, data, model, model_admin):
    superuser_client.raise_request_exception = False
    url = changelist_url(model)
    request = superuser_client.get(url).wsgi_request
    answers = {}
    for action in actions_of(model_admin, request):
        for value in ["abc", NUL, "1.5", *HUGE]:
            data = {"action": action, ACTION_CHECKBOX_NAME: ["1", value], "index": "0"}
            status = superuser_client.post(url, data).status_code
            if status != 400:
                answers[f"{action} {value!r}"] = status
    assert answers == {}


def test_actions_on_real_rows_still_run(superuser_client, data):
    product = ProductFactory(is_active=True)
    url = reverse("admin:catalog_product_changelist")
    data = {"action": "mark_inactive", ACTION_CHECKBOX_NAME: [str(product.pk)], "index": "0"}
    assert superuser_client.post(url, data).status_code == 302
    product.refresh_from_db()
    assert product.is_active is False


@pytest.mark.parametrize("value", ["9" * 19, "9" * 40, NUL, "abc"])
def test_a_list_edit_of_odd_rows_answers_400_or_the_form(superuser_client, data, value):
    superuser_client.raise_request_exception = False
    product = ProductFactory(stock=7)
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": str(product.pk),
        "form-0-stock": "8",
        "form-1-id": value,
        "form-1-stock": "9",
        "_save": "Save",
    }
    response = superuser_client.post(reverse("admin:catalog_product_changelist"), data)
    assert response.status_code in (200, 400)
    product.refresh_from_db()
    assert product.stock == 7


@pytest.mark.parametrize("model", ["product", "article"])
@pytest.mark.parametrize("value", ["9" * 19, "9" * 40])
def test_export_selected_with_odd_rows_is_refused(superuser_client, data, model, value):
    superuser_client.raise_request_exception = False
    response = superuser_client.post(
        reverse(f"admin:catalog_{model}_export"), {"format": "0", "export_items": [value]}
    )
    # An invalid choice: the page again, with no file.
    assert response.status_code == 200
    assert "attachment" not in response.get("Content-Disposition", "")


@pytest.mark.parametrize(
    ("url_name", "field", "data"),
    [
        ("auth_user_change", "groups", {"username": "someone", "email": "s@shop.example"}),
        ("auth_user_change", "user_permissions", {"username": "someone", "email": "s@x.example"}),
        ("auth_user_add", "groups", {"username": "newbie", "email": "n@shop.example"}),
        ("auth_group_add", "permissions", {"name": "Packers"}),
    ],
)
@pytest.mark.parametrize("value", HUGE)
def test_a_many_to_many_choice_beyond_any_row_is_a_form_error(
    superuser_client, data, url_name, field, value
):
    # Django's multiple-choice field filters by the posted pks unchecked (SQLite: "Python
    # int too large"): every admin's many-to-many fields check them first.
    args = [UserFactory(username="someone").pk] if url_name.endswith("change") else []
    url = reverse(f"admin:{url_name}", args=args)
    response = superuser_client.post(url, {**data, field: ["1", value], "is_active": "on"})
    assert response.status_code == 200
    assert f"“{value}” is not a valid value." in response.content.decode()
