"""Cell parsers: a raw cell in, a Python value out, or a ValueError a person can act on.

A raw cell is a str from CSV; a str, number, datetime or None from XLSX.
"""

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from .prices import current_price_reading, split_currency, to_decimal

# A spreadsheet runs a cell starting with one of these as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: Any) -> str:
    if type(value) is not str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value)
    text = value.strip()
    # Undo the export's formula escaping so an exported file imports back unchanged.
    if text[:1] == "'" and text[1:2] and text[1:2] in FORMULA_PREFIXES:
        text = text[1:]
    return text


def escape_formula(value: Any) -> Any:
    """Prefix text a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def parse_text(max_length: int | None = None, required: bool = True) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = cell_text(value)
        if required and not text:
            raise ValueError("This value is required.")
        if max_length is not None and len(text) > max_length:
            raise ValueError(f"At most {max_length} characters (this has {len(text)}).")
        return text

    return parse


def _finite_decimal(text: str | Decimal) -> Decimal:
    number = Decimal(text)  # InvalidOperation is an ArithmeticError, caught below
    if not number.is_finite():
        raise ValueError(text)
    return number


def _parse_non_negative(value: Any, convert: Callable[[str], Any], example: str) -> Any:
    try:
        number = convert(cell_text(value))
    except (ValueError, ArithmeticError):
        raise ValueError(f"Enter {example}.") from None
    if number < 0:
        raise ValueError("Must be 0 or more.")
    return number


def parse_whole_number(value: Any) -> int:
    return _parse_non_negative(value, int, "a whole number, e.g. 12")


def parse_price(value: Any) -> Decimal:
    """A price written with the file's decimal mark, optionally with the shop's currency."""
    reading = current_price_reading()
    text, currency = split_currency(cell_text(value))  # ValueError naming another currency
    example = "12,50" if reading.decimal_mark == "," else "12.50"
    number = _parse_non_negative(
        text,
        lambda text: _finite_decimal(to_decimal(text, reading.decimal_mark)),
        f"a number, e.g. {example}",
    )
    if currency:
        reading.currency_signs += 1
    if number >= Decimal("1e10"):
        raise ValueError("At most 10 digits before the decimal point.")
    if number != number.quantize(Decimal("0.01")):
        raise ValueError("At most 2 decimal places.")
    return number.quantize(Decimal("0.01"))


_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


def parse_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = cell_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("Enter true or false (1/0 and yes/no work too).")


def parse_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        try:
            moment = datetime.fromisoformat(cell_text(value))
        except ValueError:
            raise ValueError("Enter a date and time like 2026-01-31 14:30 (ISO 8601).") from None
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # Stored in UTC and shown in local time: both must exist (years 1 to 9999).
        moment.astimezone(UTC)
        timezone.localtime(moment)
    except (OverflowError, ValueError):
        raise ValueError("Enter a date and time between the years 1 and 9999.") from None
    return moment


def django_validated(validator: Callable[[str], None], max_length: int) -> Callable[[Any], str]:
    """Text checked by a Django validator; its messages become the ValueError."""
    base = parse_text(max_length)

    def parse(value: Any) -> str:
        text = base(value)
        try:
            validator(text)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from None
        return text

    return parse


def parse_choice(choices: Iterable[str]) -> Callable[[Any], str]:
    """One of `choices` (a model's TextChoices values), compared in lower case."""
    allowed = list(choices)

    def parse(value: Any) -> str:
        text = cell_text(value).lower()
        if text in allowed:
            return text
        raise ValueError(f"Enter one of: {', '.join(allowed)}.")

    return parse


def parse_names(value: Any) -> frozenset[str]:
    """A comma-separated list of names (groups)."""
    return frozenset(name.strip() for name in cell_text(value).split(",") if name.strip())


def parse_optional_email(value: Any) -> str:
    text = parse_text(254, required=False)(value)
    if text:
        try:
            validate_email(text)
        except ValidationError:
            raise ValueError("Enter a valid email address.") from None
    return text
