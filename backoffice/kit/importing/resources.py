"""import-export resources and widgets that parse with the kit's parsers and escape formulas.

Exports go through these resources (with formula escaping on every text cell). Imports go
through each resource's `importer_class`; the widgets below parse with the same functions,
so a resource used on its own reports the same readable errors.
"""

from typing import Any

from import_export import fields, resources, widgets

from .engine import Importer
from .parsing import cell_text, escape_formula, parse_boolean, parse_price, parse_whole_number


class _ParsingWidgetMixin:
    """Clean with a kit parser: a readable ValueError instead of a class name."""

    parse = staticmethod(lambda value: value)

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> Any:
        if cell_text(value) == "":
            return None
        return type(self).parse(value)


class WholeNumberWidget(_ParsingWidgetMixin, widgets.IntegerWidget):
    parse = staticmethod(parse_whole_number)


class PriceWidget(_ParsingWidgetMixin, widgets.DecimalWidget):
    parse = staticmethod(parse_price)


class YesNoWidget(_ParsingWidgetMixin, widgets.BooleanWidget):
    parse = staticmethod(parse_boolean)


class FormulaSafeResource(resources.ModelResource):
    """Escape every exported text cell a spreadsheet would run as a formula.

    import-export's IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips a leading "=";
    "+", "-", "@", tab and CR pass through. An apostrophe prefix is the OWASP advice, and
    the kit's parsers remove it again on import so an exported file round-trips.
    """

    importer_class: type[Importer]

    def export_field(self, field: fields.Field, instance: Any, **kwargs: Any) -> Any:
        return escape_formula(super().export_field(field, instance, **kwargs))
