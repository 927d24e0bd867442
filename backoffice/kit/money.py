"""Prices as the admin shows them: with the shop's currency (settings.BACKOFFICE_CURRENCY),
"€1,249.00" or "1,249.00 SEK". Exports keep plain numbers (docs/architecture.md#dates-and-prices).
"""

from decimal import Decimal

from django.utils.formats import number_format

from .importing.prices import CURRENCIES, shop_currency


def price_display(amount: Decimal | None) -> str:
    """The amount with two decimals, grouped, with the shop's sign (its code when the
    currency has no sign of its own); "—" for no amount."""
    if amount is None:
        return "—"
    number = number_format(amount, decimal_pos=2, force_grouping=True)
    code = shop_currency()
    signs = CURRENCIES.get(code, ((),))[0]
    if not signs:
        return f"{number}\N{NO-BREAK SPACE}{code}"
    sign = signs[0]
    # A sign made of letters reads as a word after the number ("12.00 zł"); a symbol goes
    # before it ("€12.00", "-€3.50").
    if sign[0].isalpha():
        return f"{number}\N{NO-BREAK SPACE}{sign}"
    if number.startswith("-"):
        return f"-{sign}{number[1:]}"
    return f"{sign}{number}"
