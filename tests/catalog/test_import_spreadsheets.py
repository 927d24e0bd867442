"""Files as shops' spreadsheets write them (issue 17, items 1-3), through the admin import:
semicolon or tab separation, decimal commas and thousands separators, the shop's currency
sign, Windows-1252 and UTF-16 text. The preview says how the file was read."""

import re
from decimal import Decimal

import pytest

from backoffice.kit.importing.prices import file_decimal_mark, mark_of, to_decimal
from backoffice.kit.importing.reading import ImportFileError
from catalog.models import Product
from tests.catalog.importing import import_through_admin, preview, report_text

pytestmark = pytest.mark.usefixtures("upload_media")


def prices() -> dict[str, Decimal]:
    return dict(Product.objects.values_list("sku", "price"))


def test_a_semicolon_file_with_decimal_commas_imports(superuser_client):
    content = "sku;name;price;stock\nA-1;Äpfel, rot;12,50;3\nB-1;Birnen;1.249,00;4\n".encode()

    response = preview(superuser_client, "catalog_product", content)

    assert report_text(response) == ""
    assert "Read as semicolon-separated, decimal comma." in response.context["report"].notes
    assert "Read as semicolon-separated, decimal comma." in response.content.decode()
    import_through_admin(superuser_client, "catalog_product", content)
    assert prices() == {"A-1": Decimal("12.50"), "B-1": Decimal("1249.00")}
    assert Product.objects.get(sku="A-1").name == "Äpfel, rot"


def test_a_comma_file_with_thousands_separators_imports(superuser_client):
    content = b'sku,name,price,stock\nA-1,Big,"1,249.00",3\nB-1,Small,4.5,1\n'

    response = import_through_admin(superuser_client, "catalog_product", content)

    assert response.status_code == 302
    assert prices() == {"A-1": Decimal("1249.00"), "B-1": Decimal("4.50")}


def test_a_tab_separated_file_imports_and_says_so(superuser_client):
    content = b"sku\tname\tprice\tstock\nA-1\tTea\t3\t1\n"

    response = preview(superuser_client, "catalog_product", content)

    assert response.context["report"].notes == ["Read as tab-separated."]
    import_through_admin(superuser_client, "catalog_product", content)
    assert prices() == {"A-1": Decimal("3.00")}


def test_the_old_semicolon_rejection_is_gone(superuser_client):
    content = b"sku;name;price;stock\nA-1;Tea;12,50;3\n"

    response = preview(superuser_client, "catalog_product", content)

    assert "Unknown column" not in report_text(response)
    assert "Expected columns" not in report_text(response)


def test_an_ambiguous_price_column_is_refused_with_what_to_change(superuser_client):
    content = b"sku;name;price;stock\nA-1;Tea;1,249;3\nB-1;Cake;3;1\n"

    response = preview(superuser_client, "catalog_product", content)

    assert report_text(response) == (
        "Row 2, price '1,249' could be 1249 (with a thousands separator) or 1.249, and no "
        "price in the file shows which decimal mark it uses. Write the prices with two "
        "decimals (1,249.00 or 1.249,00) and upload the file again."
    )
    assert "confirm_form" not in response.context
    assert not Product.objects.exists()


def test_one_clear_price_decides_the_ambiguous_ones(superuser_client):
    content = b"sku;name;price;stock\nA-1;Tea;1.249;3\nB-1;Cake;3,50;1\n"

    import_through_admin(superuser_client, "catalog_product", content)

    assert prices() == {"A-1": Decimal("1249.00"), "B-1": Decimal("3.50")}


def test_mixed_decimal_marks_are_refused(superuser_client):
    content = b"sku;name;price;stock\nA-1;Tea;4.50;3\nB-1;Cake;3,50;1\n"

    response = preview(superuser_client, "catalog_product", content)

    assert report_text(response) == (
        "The prices mix decimal marks: row 2 has '4.50' (decimal point), row 3 has '3,50' "
        "(decimal comma). Write every price with the same decimal mark and upload the file "
        "again."
    )
    assert not Product.objects.exists()


def test_a_badly_grouped_number_names_the_decimal_comma(superuser_client):
    content = b"sku;name;price;stock\nA-1;Tea;12,50;3\nB-1;Cake;1.24,5;1\n"

    response = preview(superuser_client, "catalog_product", content)

    assert (
        report_text(response)
        == "Row 3, column 'price', value '1.24,5': Enter a number, e.g. 12,50."
    )


@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("12,50", ","),
        ("1.249,00", ","),
        ("1,249.00", "."),
        ("4.5", "."),
        ("0,125", ","),
        ("1.249.000", ","),
        ("1,249", "?,"),
        ("1.249", "?."),
        ("12", None),
        ("1 249,00", ","),
    ],
)
def test_the_mark_a_number_shows(text, mark):
    assert mark_of(text) == mark


@pytest.mark.parametrize(
    ("text", "mark", "value"),
    [
        ("1.249,00", ",", "1249.00"),
        ("1 249,5", ",", "1249.5"),
        ("1'249.00", ".", "1249.00"),
        ("12", ",", "12"),
        ("-3,5", ",", "-3.5"),
    ],
)
def test_numbers_with_thousands_separators(text, mark, value):
    assert to_decimal(text, mark) == Decimal(value)


@pytest.mark.parametrize(("text", "mark"), [("1,24,9.00", "."), ("1.249 000,00", ",")])
def test_badly_grouped_numbers_are_no_numbers(text, mark):
    with pytest.raises(ValueError, match=re.escape(text)):
        to_decimal(text, mark)


def test_a_lone_decimal_point_in_a_comma_file_stays_a_decimal_point():
    assert file_decimal_mark([(2, "price", "1.005")], lone_point_is_decimal=True) == "."
    with pytest.raises(ImportFileError, match="could be 1005"):
        file_decimal_mark([(2, "price", "1.005")], lone_point_is_decimal=False)


# --- currency (item 2) ----------------------------------------------------------------


def test_prices_with_the_shops_currency_sign_import_with_a_note(superuser_client, settings):
    settings.BACKOFFICE_CURRENCY = "EUR"
    content = "sku;name;price;stock\nA-1;Tea;€4,50;1\nB-1;Cake;12,90 €;1\nC-1;Pie;3;1\n".encode()

    response = preview(superuser_client, "catalog_product", content)

    assert report_text(response) == ""
    note = "2 prices were written with the currency (€/EUR); read as euros."
    assert note in response.context["report"].notes
    assert note in response.content.decode()
    import_through_admin(superuser_client, "catalog_product", content)
    assert prices() == {"A-1": Decimal("4.50"), "B-1": Decimal("12.90"), "C-1": Decimal("3.00")}


def test_a_currency_code_is_accepted_too(superuser_client, settings):
    settings.BACKOFFICE_CURRENCY = "EUR"
    content = b"sku,name,price,stock\nA-1,Tea,EUR 4.50,1\n"

    import_through_admin(superuser_client, "catalog_product", content)

    assert prices() == {"A-1": Decimal("4.50")}


def test_another_currency_is_refused_by_name(superuser_client, settings):
    settings.BACKOFFICE_CURRENCY = "EUR"
    content = "sku,name,price,stock\nA-1,Tea,€4.50,1\nB-1,Cake,$3.99,1\nC-1,Pie,2 GBP,1\n".encode()

    response = preview(superuser_client, "catalog_product", content)

    errors = report_text(response).splitlines()
    assert errors == [
        "Row 3, column 'price', value '$3.99': '$3.99' is in US dollars; this shop's prices "
        "are in euros.",
        "Row 4, column 'price', value '2 GBP': '2 GBP' is in pounds sterling; this shop's "
        "prices are in euros.",
    ]
    assert not Product.objects.exists()


def test_the_shops_currency_is_a_setting(superuser_client, settings):
    settings.BACKOFFICE_CURRENCY = "USD"
    content = "sku,name,price,stock\nA-1,Tea,$3.99,1\nB-1,Cake,€4.50,1\n".encode()

    response = preview(superuser_client, "catalog_product", content)

    assert report_text(response) == (
        "Row 3, column 'price', value '€4.50': '€4.50' is in euros; this shop's prices are "
        "in US dollars."
    )


def test_words_beside_a_number_are_still_no_price(superuser_client):
    response = preview(
        superuser_client, "catalog_product", b"sku,name,price,stock\nA,B,12 apples,1\n"
    )

    assert (
        report_text(response)
        == "Row 2, column 'price', value '12 apples': Enter a number, e.g. 12.50."
    )


# --- encodings (item 3) ---------------------------------------------------------------


def test_a_windows_1252_semicolon_file_is_read_and_the_preview_says_so(superuser_client):
    content = "sku;name;price;stock\nA-1;Café crème \u2013 1 €;2,50;1\n".encode("cp1252")

    response = preview(superuser_client, "catalog_product", content)

    notes = response.context["report"].notes
    assert notes[0] == "Read as semicolon-separated, decimal comma."
    assert notes[1].startswith(
        "The file is not UTF-8 text (byte 0xe9 on line 2): it was read as Windows-1252 (Latin-1)"
    )
    import_through_admin(superuser_client, "catalog_product", content)
    assert Product.objects.get().name == "Café crème \u2013 1 €"


def test_a_utf16_file_from_excel_is_read(superuser_client):
    content = "sku\tname\tprice\tstock\r\nA-1\tTée\t2,50\t1\r\n".encode("utf-16")

    response = preview(superuser_client, "catalog_product", content)

    assert response.context["report"].notes == [
        "Read as tab-separated, decimal comma.",
        "The file is UTF-16 text; it was read as such.",
    ]
    import_through_admin(superuser_client, "catalog_product", content)
    assert Product.objects.get().name == "Tée"
    assert prices() == {"A-1": Decimal("2.50")}


def test_a_utf8_file_gets_no_encoding_note(superuser_client):
    response = preview(
        superuser_client, "catalog_product", "sku,name,price,stock\nA,Café,1,1\n".encode()
    )

    assert response.context["report"].notes == ["Read as comma-separated."]
