"""backoffice.changelist renders exactly the rows Django's {% result_list %} renders."""

import re
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.models import User
from django.forms.models import BaseModelFormSet
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import formats, timezone
from django.utils.safestring import mark_safe

from alerts import services as alert_services
from alerts.models import DeletionRecord, StockAlert
from backoffice import changelist
from catalog.models import Article, Product
from tests.factories import ArticleFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

QUERIES = {
    Product: ["", "stock_state=low", "q=tea", "o=4.-1", "is_active__exact=0", "p=2"],
    Article: ["", "status__exact=published", "q=%26", "o=-3"],
    User: ["", "is_staff__exact=1", "q=ed"],
    StockAlert: ["", "status=unresolved", "q=TEA", "o=2"],
    DeletionRecord: ["", "q=Tea", "o=-5"],
}
POPUP = "_popup=1&_to_field=id"


@pytest.fixture
def catalog_data(superuser):
    editor = UserFactory(username="ed<itor>", first_name="Ed & Co", email="")
    for index in range(60):
        ProductFactory(
            sku=f"TEA-{index:03d}",
            name=f'Tea "{index}" <b>& co' if index % 3 else f"Tea {index}",
            description="",
            price=Decimal("1234.5") + index,
            stock=index % 7,
            low_stock_threshold=3 + index % 4,
            is_active=bool(index % 5),
        )
    ArticleFactory(title="Draft & <i>more</i>", author=editor, body="")
    ArticleFactory(title="Orphan", author=None, status=Article.Status.PUBLISHED)
    ArticleFactory(title="  ", author=superuser, status=Article.Status.PUBLISHED)
    alert_services.stock_alerts_acknowledge(
        alerts=StockAlert.objects.filter(sku__in=["TEA-001", "TEA-002"]), user=editor
    )
    alert_services.stock_alerts_resolve(alerts=StockAlert.objects.filter(sku="TEA-003"))
    Product.objects.filter(sku__in=["TEA-000", "TEA-006"]).delete()
    User.objects.filter(username="user-to-go").delete()
    UserFactory(username="user-to-go").delete()
    assert StockAlert.objects.filter(product__isnull=True).exists()
    assert DeletionRecord.objects.count() == 3
    return editor


def changelist_for(model_admin, user, query: str, data: dict | None = None) -> ChangeList:
    """The ChangeList changelist_view builds, with its list_editable formset."""
    opts = model_admin.opts
    path = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    request = RequestFactory().get(f"{path}?{query}")
    # What the URL resolver sets: the admin keeps the list's filters in the row links by it.
    request.resolver_match = resolve(path)
    request.user = user
    cl = model_admin.get_changelist_instance(request)
    if cl.list_editable and model_admin.has_change_permission(request):
        formset_class = model_admin.get_changelist_formset(request)
        if data is None:
            cl.formset = formset_class(queryset=cl.result_list)
        else:
            cl.formset = formset_class(data, queryset=cl.result_list)
            assert not cl.formset.is_valid()
    else:
        cl.formset = None
    return cl


def assert_same_rows(cl: ChangeList) -> list[list[str]]:
    expected = admin_list.result_list(cl)
    actual = changelist.result_list(cl)
    assert actual.keys() == expected.keys()
    expected_rows = [list(row) for row in expected["results"]]
    assert [list(row) for row in actual["results"]] == expected_rows
    assert [row.form for row in actual["results"]] == [row.form for row in expected["results"]]
    for key in ("result_headers", "num_sorted_fields"):
        assert actual[key] == expected[key]
    # The hidden inputs come in one piece; the template renders them one after the other.
    assert "".join(map(str, actual["result_hidden_fields"])) == "".join(
        map(str, expected["result_hidden_fields"])
    )
    assert bool(actual["result_hidden_fields"]) == bool(expected["result_hidden_fields"])
    assert all(
        isinstance(cell, str) and hasattr(cell, "__html__") for row in expected_rows for cell in row
    )
    return expected_rows


@pytest.mark.parametrize(
    ("model", "query"),
    [(model, query) for model, queries in QUERIES.items() for query in queries]
    + [(model, POPUP) for model in QUERIES],
)
def test_every_changelist_renders_djangos_rows(catalog_data, superuser, model, query):
    cl = changelist_for(admin.site.get_model_admin(model), superuser, query)
    rows = assert_same_rows(cl)
    assert rows, f"{model.__name__} ?{query} shows no rows; the comparison would be empty"


def test_product_list_shows_the_preserved_filters_and_popup_ids(catalog_data, superuser):
    cl = changelist_for(admin.site.get_model_admin(Product), superuser, "stock_state=low&" + POPUP)
    rows = assert_same_rows(cl)
    link = next(cell for cell in rows[0] if "<a " in cell)
    assert "_changelist_filters=stock_state%3Dlow" in link
    assert "_popup%3D1" in link
    assert "data-popup-opener=" in link


def test_list_editable_errors_render_like_djangos(catalog_data, superuser):
    model_admin = admin.site.get_model_admin(Product)
    cl = changelist_for(model_admin, superuser, "")
    data = {
        "form-TOTAL_FORMS": str(len(cl.result_list)),
        "form-INITIAL_FORMS": str(len(cl.result_list)),
    }
    for index, product in enumerate(cl.result_list):
        data[f"form-{index}-id"] = str(product.pk)
        data[f"form-{index}-stock"] = "many" if index == 1 else "-3" if index == 2 else "4"
    cl = changelist_for(model_admin, superuser, "", data=data)
    rows = assert_same_rows(cl)
    assert "errorlist" in "".join(rows[1]) and "errorlist" in "".join(rows[2])
    assert "errorlist" not in "".join(rows[0])


class EdgeCaseArticleAdmin(admin.ModelAdmin):
    """Column kinds the registered admins do not have."""

    list_display = [
        "id",
        "title",
        "status",
        "author",
        "author__username",
        "published_at",
        "is_published",
        "has_author",
        "when",
        "body",
        "created_at",
        "author_email",
        "get_status_display",
        "__str__",
        lambda article: mark_safe(f"<em>{article.pk}</em>"),
    ]
    list_display_links = ["title", "author"]
    list_editable = ["status"]
    empty_value_display = "(none)"

    @admin.display(boolean=True)
    def has_author(self, article):
        return article.author_id is not None

    def author_email(self, article):
        if article.author_id is None:
            raise User.DoesNotExist  # shown as the empty value
        return article.author.email

    @admin.display(empty_value="never")
    def when(self, article):
        return article.published_at and article.published_at.date()


@pytest.mark.parametrize(
    ("links", "editable"), [(["title", "author"], ["status"]), ([], []), (None, ["status"])]
)
@pytest.mark.parametrize("query", ["", POPUP, "q=Orphan"])
def test_edge_case_columns_render_like_djangos(catalog_data, superuser, links, editable, query):
    model_admin = EdgeCaseArticleAdmin(Article, admin.site)
    model_admin.list_display_links = links
    model_admin.list_editable = editable
    model_admin.search_fields = ["title"]
    assert_same_rows(changelist_for(model_admin, superuser, query))


def test_a_custom_url_for_result_is_honoured(catalog_data, superuser):
    class Custom(ChangeList):
        def url_for_result(self, result):
            return f"/custom/{result.pk}/?a=1&b=<2>"

    model_admin = admin.site.get_model_admin(Product)
    with mock.patch.object(type(model_admin), "get_changelist", return_value=Custom):
        cl = changelist_for(model_admin, superuser, "stock_state=low")
    rows = assert_same_rows(cl)
    assert "/custom/" in rows[0][1]


def test_the_product_list_page_uses_the_fast_rows(catalog_data, superuser_client):
    with mock.patch.object(admin_list, "items_for_result", side_effect=AssertionError):
        response = superuser_client.get(
            reverse("admin:catalog_product_changelist"), {"stock_state": "low"}
        )
    assert response.status_code == 200
    html = response.content.decode()
    cl = response.context["cl"]
    expected = admin_list.result_list(cl)["results"]
    assert len(expected) == len(cl.result_list) > 0
    for row in expected:
        assert "".join(row) in html


@pytest.mark.parametrize("model", [Product, Article, User])
def test_rows_follow_the_number_format_and_time_zone_settings(
    catalog_data, superuser, settings, model
):
    settings.USE_THOUSAND_SEPARATOR = True  # grouping by the locale's (en) formats
    with timezone.override("Asia/Tokyo"):
        rows = assert_same_rows(changelist_for(admin.site.get_model_admin(model), superuser, ""))
    if model is Product:
        assert "1,235.50" in "".join(rows[0])


def test_datetimes_follow_a_format_with_escaped_literals(catalog_data, superuser):
    # Spanish's format, literals escaped: formats.get_format serves it to both renderings.
    spanish = r"j \d\e F \d\e Y \a \l\a\s H:i"
    get_format = formats.get_format

    def with_spanish_datetimes(format_type, *args, **kwargs):
        return (
            spanish
            if format_type == "DATETIME_FORMAT"
            else get_format(format_type, *args, **kwargs)
        )

    with mock.patch.object(formats, "get_format", with_spanish_datetimes):
        rows = assert_same_rows(changelist_for(admin.site.get_model_admin(Product), superuser, ""))
    assert " de " in "".join(rows[0]) and " a las " in "".join(rows[0])


# --- list_editable inputs without the formset's forms (changelist.UnboundRowInputs) -------


def test_the_product_list_renders_its_inputs_without_building_forms(catalog_data, superuser):
    cl = changelist_for(admin.site.get_model_admin(Product), superuser, "stock_state=low")
    rows = changelist.ChangeListRows(cl)
    assert rows.unbound_inputs is not None
    with mock.patch.object(BaseModelFormSet, "_construct_form", side_effect=AssertionError):
        html = "".join(map(str, rows.rows())) + rows.hidden_fields()
        # What the admin's view and templates ask the formset: answered by its empty form.
        media, multipart = str(cl.formset.media), cl.formset.is_multipart()
        with pytest.raises(TypeError):
            cl.formset["management_form"]  # the template engine's first try, before .attr
    assert 'name="form-0-stock"' in html and 'name="form-0-id"' in html
    assert media == str(cl.formset.forms[0].media)
    assert multipart is cl.formset.forms[0].is_multipart() is False
    assert cl.formset[0] is cl.formset.forms[0]
    # The same HTML as the formset's forms give (and those are still there when asked for).
    assert_same_rows(cl)


def test_the_product_list_page_builds_no_forms(catalog_data, superuser_client):
    with mock.patch.object(BaseModelFormSet, "_construct_form", side_effect=AssertionError):
        response = superuser_client.get(reverse("admin:catalog_product_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert len(re.findall(r'name="form-\d+-(stock|id)"', html)) == 2 * 50  # 50 rows
    assert 'name="form-TOTAL_FORMS" value="50"' in html


@pytest.mark.parametrize(
    ("editable", "fast"),
    [
        (["stock"], True),
        # A callable default: Django adds a hidden input with the initial value.
        (["stock", "low_stock_threshold"], False),
        # A widget rendered by a template (a checkbox, a decimal input): Django's forms.
        (["stock", "is_active", "price"], False),
    ],
)
def test_list_editable_inputs_render_like_djangos(catalog_data, superuser, editable, fast):
    model_admin = admin.site.get_model_admin(Product)
    with mock.patch.object(model_admin, "list_editable", editable):
        cl = changelist_for(model_admin, superuser, "o=2")
        assert (changelist.ChangeListRows(cl).unbound_inputs is not None) is fast
        assert_same_rows(cl)


@pytest.mark.parametrize(
    ("editable", "tweak", "sign"),
    [
        (["stock"], {"help_text": "Units on the shelf."}, "_helptext"),  # aria-describedby
        # The threshold (help text cleared) has a callable default: a hidden initial input.
        (["stock", "low_stock_threshold"], {"help_text": ""}, 'name="initial-form-0-'),
        (["stock"], {"disabled": True}, " disabled"),
        (["stock"], {"localize": True}, 'name="form-0-stock"'),
    ],
)
def test_fields_django_renders_otherwise_use_its_forms(
    catalog_data, superuser, editable, tweak, sign
):
    product_admin_class = type(admin.site.get_model_admin(Product))

    class Tweaked(product_admin_class):
        list_editable = editable

        def formfield_for_dbfield(self, db_field, request, **kwargs):
            field = super().formfield_for_dbfield(db_field, request, **kwargs)
            if db_field.name == editable[-1]:
                for name, value in tweak.items():
                    setattr(field, name, value)
            return field

    cl = changelist_for(Tweaked(Product, admin.site), superuser, "")
    assert changelist.ChangeListRows(cl).unbound_inputs is None
    rows = assert_same_rows(cl)
    assert sign in "".join(rows[0])


def test_bound_forms_and_other_formsets_use_djangos_forms(catalog_data, superuser):
    model_admin = admin.site.get_model_admin(Product)
    product = changelist_for(model_admin, superuser, "").result_list[0]
    data = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1"}
    data |= {"form-0-id": str(product.pk), "form-0-stock": "many"}
    bound = changelist_for(model_admin, superuser, "", data=data)
    assert changelist.ChangeListRows(bound).unbound_inputs is None
    # A plain ModelAdmin: Django's formset and widgets.
    plain = changelist_for(EdgeCaseArticleAdmin(Article, admin.site), superuser, "")
    assert plain.formset is not None
    assert changelist.ChangeListRows(plain).unbound_inputs is None
