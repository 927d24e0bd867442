"""The product and article forms of the change pages (and the product list edit's): a save
never overwrites a change another writer made since the page was shown: the stock by
catalog.stock_edits.stock_edit_resolve, every other field by backoffice.kit.seen_values."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from backoffice.kit.seen_values import SeenValuesFormMixin

from . import stock_edits
from .models import Article, Product

# The hidden input beside the stock input: the stock the page was rendered with.
STOCK_SEEN_SUFFIX = "_seen"
STOCK_SEEN_VALUE = re.compile(r"-?[0-9]{1,10}")


class StockSeenInput(forms.NumberInput):
    """The stock input, followed by a hidden copy of the stock it was rendered from (the list
    edit renders no hidden field of its own but the pk, so the copy rides with the input)."""

    def __init__(self, attrs=None, *, seen: int | None = None):
        super().__init__(attrs)
        self.seen = seen

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        if self.seen is None:
            return html
        return format_html(
            '{}<input type="hidden" name="{}" value="{}">',
            html,
            name + STOCK_SEEN_SUFFIX,
            self.seen,
        )


class ProductForm(SeenValuesFormMixin, forms.ModelForm):
    seen_values_exclude = frozenset({"stock"})  # the stock's own rule: clean_stock

    class Meta:
        model = Product
        # The admin passes its fieldsets' fields, or list_editable's to the list edit.
        fields = [
            "sku",
            "name",
            "description",
            "price",
            "stock",
            "low_stock_threshold",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stock_seen = None
        field = self.fields.get("stock")
        if field is None or self.instance.pk is None:
            return
        field.widget = StockSeenInput(attrs=field.widget.attrs, seen=self.instance.stock)
        posted = self.data.get(self.add_prefix("stock") + STOCK_SEEN_SUFFIX, "")
        if self.is_bound and STOCK_SEEN_VALUE.fullmatch(posted):
            self.stock_seen = int(posted)
            # "Changed" means changed by this person, from what their page showed: a list
            # edit row whose stock they left alone is not saved over another writer's.
            self.initial["stock"] = self.stock_seen

    def clean_stock(self):
        stock = self.cleaned_data.get("stock")
        # A client that posts no shown stock (scripts, older pages) is taken at its word.
        if self.stock_seen is None or stock is None:
            return stock
        # The admin locked the row before reading it: no query when nothing moved.
        if stock == self.stock_seen == self.instance.stock:
            return stock
        try:
            return stock_edits.stock_edit_resolve(
                product_id=self.instance.pk, seen=self.stock_seen, wanted=stock
            )
        except stock_edits.StockEditConflict as conflict:
            self.fields["stock"].widget.seen = conflict.current
            raise ValidationError(str(conflict), code="stock_conflict") from conflict


class ArticleForm(SeenValuesFormMixin, forms.ModelForm):
    class Meta:
        model = Article
        fields = ["title", "slug", "body", "status", "author"]
