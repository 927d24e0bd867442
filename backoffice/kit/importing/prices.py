"""Prices as shops write them: the file's decimal mark and the shop's own currency sign.

The decimal mark is decided once per file from its price column as a whole (reading.py);
the cell parser (parsing.parse_price) reads it from the PriceReading of the import that is
running (docs/architecture.md#the-import-engine).
"""

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from .errors import ImportFileError

# code: (signs written beside a price, the currency's name in a sentence)
CURRENCIES: dict[str, tuple[tuple[str, ...], str]] = {
    "EUR": (("€",), "euros"),
    "USD": (("$", "US$"), "US dollars"),
    "GBP": (("£",), "pounds sterling"),
    "CHF": (("Fr.", "SFr."), "Swiss francs"),
    "JPY": (("¥",), "Japanese yen"),
    "PLN": (("zł",), "Polish złoty"),
    "CZK": (("Kč",), "Czech koruna"),
    "SEK": ((), "Swedish kronor"),
    "NOK": ((), "Norwegian kroner"),
    "DKK": ((), "Danish kroner"),
    "INR": (("₹",), "Indian rupees"),
}
DECIMAL_MARK_NAMES = {".": "decimal point", ",": "decimal comma"}

# A sign or code before or after the number: "€4.50", "12,90 €", "EUR 3", "3.99 USD".
_WITH_SIGN = re.compile(
    r"(?P<before>\D*?)\s*(?P<number>[-+]?\d(?:[\d.,' \u00a0\u202f]*\d)?)\s*(?P<after>\D*)"
)
_SPACES = re.compile(r"[\s\u00a0\u202f]")


def shop_currency() -> str:
    return settings.BACKOFFICE_CURRENCY.upper()


def currency_name(code: str) -> str:
    return CURRENCIES[code][1] if code in CURRENCIES else code


def currency_of(token: str) -> str | None:
    """The currency code a sign or code stands for, or None if it is not a currency."""
    if token.upper() in CURRENCIES or token.upper() == shop_currency():
        return token.upper()
    for code, (signs, _name) in CURRENCIES.items():
        if token in signs:
            return code
    return None


@dataclass
class PriceReading:
    """How the running import reads prices, and what it saw while doing so."""

    decimal_mark: str = "."
    decimal_mark_found: bool = False
    currency_signs: int = 0  # prices written with the shop's own sign or code

    def notes(self) -> list[str]:
        if not self.currency_signs:
            return []
        code = shop_currency()
        signs = "/".join((*CURRENCIES.get(code, ((),))[0], code))
        prices = "1 price was" if self.currency_signs == 1 else f"{self.currency_signs} prices were"
        return [f"{prices} written with the currency ({signs}); read as {currency_name(code)}."]


_current: ContextVar[PriceReading | None] = ContextVar("price_reading", default=None)


@contextmanager
def prices_read_as(reading: PriceReading) -> Iterator[PriceReading]:
    token = _current.set(reading)
    try:
        yield reading
    finally:
        _current.reset(token)


def current_price_reading() -> PriceReading:
    return _current.get() or PriceReading()


def split_currency(text: str) -> tuple[str, str | None]:
    """(the number's text, the shop's currency code if it was written); ValueError naming
    another currency. Text that is no number beside a currency comes back unchanged."""
    match = _WITH_SIGN.fullmatch(text)
    if match is None:
        return text, None
    before, after = match["before"].strip(), match["after"].strip()
    if not before and not after:
        return text, None
    if before and after:
        return text, None
    code = currency_of(before or after)
    if code is None:
        return text, None
    if code != shop_currency():
        raise ValueError(
            f"'{text}' is in {currency_name(code)}; this shop's prices are in "
            f"{currency_name(shop_currency())}."
        )
    return match["number"], code


def mark_of(number: str) -> str | None:
    """'.' or ',' when this number shows its decimal mark, '?.' or '?,' when it could be
    either (1.249 or 1,249), None when it has none (12)."""
    digits = _SPACES.sub("", number).replace("'", "").lstrip("+-")
    if "." in digits and "," in digits:
        return "." if digits.rfind(".") > digits.rfind(",") else ","
    separator = "." if "." in digits else "," if "," in digits else None
    if separator is None:
        return None
    parts = digits.split(separator)
    if len(parts) > 2:  # 1.249.000: a thousands separator, so the other one is the mark
        return "," if separator == "." else "."
    if len(parts[1]) != 3 or parts[0] in ("", "0"):
        return separator
    return "?" + separator


def file_decimal_mark(
    cells: Iterable[tuple[int, str, str]], *, lone_point_is_decimal: bool
) -> str | None:
    """The decimal mark of a file's prices, given (row, column, text); None if no price shows
    one. ImportFileError when they mix marks or every mark shown could be either.

    lone_point_is_decimal: in a comma-separated file 1.005 is read as a decimal point (a
    decimal comma would have to be quoted there; the price then has too many decimals)."""
    first: dict[str, tuple[int, str, str, str]] = {}
    for row, column, text in cells:
        try:
            number, _code = split_currency(text)
        except ValueError:
            continue  # another currency: that row's own error, at parsing
        mark = mark_of(number)
        if mark is not None and mark not in first:
            first[mark] = (row, column, text, number)
            if "." in first and "," in first:
                break
    if "." in first and "," in first:
        point, comma = first["."], first[","]
        raise ImportFileError(
            f"The prices mix decimal marks: row {point[0]} has '{point[2]}' (decimal point), "
            f"row {comma[0]} has '{comma[2]}' (decimal comma). Write every {point[1]} with "
            f"the same decimal mark and upload the file again."
        )
    for mark in (".", ","):
        if mark in first:
            return mark
    if "?." in first and lone_point_is_decimal:
        return "."
    ambiguous = first.get("?,") or first.get("?.")
    if ambiguous:
        row, column, text, number = ambiguous
        whole, part = number.replace(".", ",").split(",", 1)
        raise ImportFileError(
            f"Row {row}, {column} '{text}' could be {whole}{part} (with a thousands separator) "
            f"or {whole}.{part}, and no price in the file shows which decimal mark it uses. "
            f"Write the prices with two decimals ({whole},{part}.00 or {whole}.{part},00) and "
            f"upload the file again."
        )
    return None


def to_decimal(number: str, mark: str) -> Decimal:
    """The number written with this decimal mark and optional thousands separators."""
    compact = _SPACES.sub(" ", number.strip())
    thousands = {" ", "'", "," if mark == "." else "."} & set(compact)
    if thousands:
        if len(thousands) > 1:
            raise ValueError(number)
        separator = re.escape(thousands.pop())
        grouped = rf"[-+]?\d{{1,3}}(?:{separator}\d{{3}})+(?:{re.escape(mark)}\d+)?"
        if not re.fullmatch(grouped, compact):
            raise ValueError(number)
        compact = re.sub(separator, "", compact)
    return Decimal(compact.replace(",", ".") if mark == "," else compact)
