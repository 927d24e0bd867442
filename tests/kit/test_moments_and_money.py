"""backoffice.kit.moments and backoffice.kit.money: the shop's one date format, "just now",
prices with the shop's currency."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from backoffice.kit.moments import moment_ago, moment_display
from backoffice.kit.money import price_display

NOW = datetime(2026, 11, 30, 14, 5, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "shown"),
    [
        (timedelta(0), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(seconds=-5), "just now"),  # a clock a little ahead
        (timedelta(minutes=1), "1\xa0minute ago"),
        (timedelta(hours=2, minutes=5), "2\xa0hours, 5\xa0minutes ago"),
        (timedelta(days=3), "3\xa0days ago"),
    ],
)
def test_an_age_is_just_now_under_a_minute(age, shown):
    assert moment_ago(NOW - age, now=NOW) == shown


def test_a_moment_is_shown_in_the_settings_format_and_local_time(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    assert moment_display(NOW) == "30 Nov 2026, 15:05"


def test_the_date_format_settings_reach_django(settings):
    # Django's English format module would say "Nov. 30, 2026, 2:05 p.m.".
    from django.utils.formats import date_format, get_format

    assert get_format("DATETIME_FORMAT") == settings.DATETIME_FORMAT == "j M Y, H:i"
    assert date_format(NOW.date()) == "30 Nov 2026"
    assert date_format(NOW, "SHORT_DATETIME_FORMAT") == "30 Nov 2026, 14:05"
    assert get_format("DATE_INPUT_FORMATS")[0] == "%Y-%m-%d"  # input formats are Django's


@pytest.mark.parametrize(
    ("currency", "amount", "shown"),
    [
        ("EUR", Decimal("12.5"), "€12.50"),
        ("EUR", Decimal("1249"), "€1,249.00"),
        ("EUR", Decimal("-3.5"), "-€3.50"),
        ("USD", Decimal("3.99"), "$3.99"),
        ("GBP", Decimal("0"), "£0.00"),
        ("PLN", Decimal("12.9"), "12.90\xa0zł"),
        ("SEK", Decimal("99"), "99.00\xa0SEK"),
        ("XYZ", Decimal("1"), "1.00\xa0XYZ"),
    ],
)
def test_a_price_carries_the_shops_currency(settings, currency, amount, shown):
    settings.BACKOFFICE_CURRENCY = currency
    assert price_display(amount) == shown


def test_no_price_is_a_dash():
    assert price_display(None) == "—"
