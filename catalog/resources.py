"""django-import-export resources: the CSV/XLSX columns of products, articles and users.

Exports go through these resources (with formula escaping on every text cell). Imports in
the admin and on the command line go through each resource's `importer_class`, the fast
path in catalog.imports; the widgets below parse with the same functions, so a resource
used on its own reports the same readable errors.
"""

from typing import Any

from django.contrib.auth.models import Group, User
from import_export import fields, resources, widgets

from . import imports
from .models import Article, Product


class _ParsingWidgetMixin:
    """Clean with a catalog.imports parser: a readable ValueError instead of a class name."""

    parse = staticmethod(lambda value: value)

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> Any:
        if imports.cell_text(value) == "":
            return None
        return type(self).parse(value)


class WholeNumberWidget(_ParsingWidgetMixin, widgets.IntegerWidget):
    parse = staticmethod(imports.parse_whole_number)


class PriceWidget(_ParsingWidgetMixin, widgets.DecimalWidget):
    parse = staticmethod(imports.parse_price)


class YesNoWidget(_ParsingWidgetMixin, widgets.BooleanWidget):
    parse = staticmethod(imports.parse_boolean)


class FormulaSafeResource(resources.ModelResource):
    """Escape every exported text cell a spreadsheet would run as a formula.

    import-export's IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips a leading "=";
    "+", "-", "@", tab and CR pass through. An apostrophe prefix is the OWASP advice, and
    catalog.imports removes it again on import so an exported file round-trips.
    """

    importer_class: type[imports.Importer]

    def export_field(self, field: fields.Field, instance: Any, **kwargs: Any) -> Any:
        return imports.escape_formula(super().export_field(field, instance, **kwargs))


class ProductResource(FormulaSafeResource):
    importer_class = imports.ProductImporter
    price = fields.Field("price", "price", widget=PriceWidget())
    stock = fields.Field("stock", "stock", widget=WholeNumberWidget())
    low_stock_threshold = fields.Field(
        "low_stock_threshold", "low_stock_threshold", widget=WholeNumberWidget()
    )
    is_active = fields.Field("is_active", "is_active", widget=YesNoWidget())

    class Meta:
        model = Product
        fields = imports.ProductImporter.column_names()
        export_order = fields
        import_id_fields = ["sku"]
        skip_unchanged = True


class ArticleResource(FormulaSafeResource):
    importer_class = imports.ArticleImporter
    author = fields.Field(
        "author", "author", widget=widgets.ForeignKeyWidget(User, field="username")
    )

    class Meta:
        model = Article
        fields = imports.ArticleImporter.column_names()
        export_order = fields
        import_id_fields = ["slug"]
        skip_unchanged = True

    def get_queryset(self):
        return super().get_queryset().select_related("author")


class UserResource(FormulaSafeResource):
    importer_class = imports.UserImporter
    is_active = fields.Field("is_active", "is_active", widget=YesNoWidget())
    is_staff = fields.Field("is_staff", "is_staff", widget=YesNoWidget())
    groups = fields.Field(
        "groups", "groups", widget=widgets.ManyToManyWidget(Group, field="name", separator=",")
    )

    class Meta:
        model = User
        fields = imports.UserImporter.column_names()
        export_order = fields
        import_id_fields = ["username"]
        skip_unchanged = True

    def get_queryset(self):
        return super().get_queryset().prefetch_related("groups")
