"""django-import-export resources: the CSV/XLSX columns of products and articles.

Exports go through these resources (with formula escaping on every text cell); imports in
the admin and on the command line go through each resource's `importer_class`.
"""

from django.contrib.auth.models import User
from import_export import fields, widgets

from backoffice.kit.importing.resources import (
    FormulaSafeResource,
    PriceWidget,
    WholeNumberWidget,
    YesNoWidget,
)

from .importers import ArticleImporter, ProductImporter
from .models import Article, Product


class ProductResource(FormulaSafeResource):
    importer_class = ProductImporter
    price = fields.Field("price", "price", widget=PriceWidget())
    stock = fields.Field("stock", "stock", widget=WholeNumberWidget())
    low_stock_threshold = fields.Field(
        "low_stock_threshold", "low_stock_threshold", widget=WholeNumberWidget()
    )
    is_active = fields.Field("is_active", "is_active", widget=YesNoWidget())

    class Meta:
        model = Product
        fields = ProductImporter.column_names()
        export_order = fields
        import_id_fields = ["sku"]
        skip_unchanged = True


class ArticleResource(FormulaSafeResource):
    importer_class = ArticleImporter
    author = fields.Field(
        "author", "author", widget=widgets.ForeignKeyWidget(User, field="username")
    )

    class Meta:
        model = Article
        fields = ArticleImporter.column_names()
        export_order = fields
        import_id_fields = ["slug"]
        skip_unchanged = True

    def get_queryset(self):
        return super().get_queryset().select_related("author")
