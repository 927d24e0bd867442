# ruff: noqa: E501  (XML namespaces and content types are long)
"""Rebuild the hostile-input corpus: `python tests/data/hostile/build.py`.

Each file is small on disk; what it claims or unpacks to is not. manifest.json says, for
each, what the admin import must answer (tests/test_hostile_inputs.py runs them all).
"""

import io
import struct
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = "sku,name,price,stock"

# --- CSV ------------------------------------------------------------------------------


def valid_rows(count: int) -> list[str]:
    return [f"OK-{n},Fine {n},1.00,{n}" for n in range(count)]


CSV_FILES = {
    "nul_in_first_bytes.csv": f"{HEADER}\nA-1,Bad\x00name,1,1\n",
    # Past the first 8 KB the binary sniff no longer sees it: the cell check must.
    "nul_in_a_late_cell.csv": "\n".join([HEADER, *valid_rows(400), "Z-1,Bad\x00name,1,1"]) + "\n",
    "escape_character.csv": f"{HEADER}\nA-1,Red \x1b[31mname,1,1\n",
    "vertical_tab_in_description.csv": f"{HEADER},description\nA-1,Fine,1,1,one\x0btwo\n",
    "stock_above_int32.csv": f"{HEADER}\nA-1,Big,1,2147483648\n",
    "stock_above_int64.csv": f"{HEADER}\nA-1,Bigger,1,99999999999999999999999\n",
    "threshold_above_int32.csv": f"{HEADER},low_stock_threshold\nA-1,Big,1,1,4294967296\n",
    "stock_exponent.csv": f"{HEADER}\nA-1,Sci,1,1e400\n",
    "price_exponent.csv": f"{HEADER}\nA-1,Sci,1e400,1\n",
    "price_nan.csv": f"{HEADER}\nA-1,NaN,NaN,1\n",
    "three_hundred_unknown_columns.csv": ",".join(
        ["sku", "name", "price", "stock", *[f"extra{n}" for n in range(300)]]
    )
    + "\nA-1,a,1,1\n",
    # Valid ISO 8601, but UTC would be the year 0 (or 10000): the database cannot hold it.
    "article_published_in_year_1_east_of_utc.csv": "slug,title,published_at\na-1,A,0001-01-01T00:00:00+01:00\n",
    "article_published_in_year_9999_west_of_utc.csv": "slug,title,published_at\na-1,A,9999-12-31T23:59:59-01:00\n",
    "formula_and_path_like_values.csv": f"{HEADER}\n../../etc/passwd,=cmd|' /C calc'!A0,1,1\n",
}
CSV_BYTES = {
    "latin1.csv": f"{HEADER}\nA-1,Caf\xe9,1,1\n".encode("latin-1"),
    "utf16.csv": f"{HEADER}\nA-1,Tea,1,1\n".encode("utf-16"),
    "only_a_bom.csv": b"\xef\xbb\xbf",
    "utf32.csv": f"{HEADER}\nA-1,Tea,1,1\n".encode("utf-32"),
    "utf16_without_bom.csv": f"{HEADER}\nA-1,Tea,1,1\n".encode("utf-16-le"),
    # 0x81 is neither UTF-8 (a lone continuation byte) nor a Windows-1252 character.
    "undefined_in_windows_1252.csv": f"{HEADER}\nA-1,Tea,1,1\n".encode() + b"B-1,X\x81,1,1\n",
}

# --- XLSX -----------------------------------------------------------------------------

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
{shared}</Types>"""
SHARED_OVERRIDE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\n'
)
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets>{sheets}</sheets></workbook>"""
SHEET_ENTRY = '<sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
{shared}</Relationships>"""
SHARED_REL = (
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/>\n'
)
SHEET = """<?xml version="1.0" encoding="UTF-8"?>
{prolog}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
{dimension}<sheetData>{rows}</sheetData></worksheet>"""


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def number(ref: str, value: str) -> str:
    return f'<c r="{ref}"><v>{value}</v></c>'


def row(index: int, *cells: str) -> str:
    return f'<row r="{index}">{"".join(cells)}</row>'


HEADER_ROW = row(
    1, inline("A1", "sku"), inline("B1", "name"), inline("C1", "price"), inline("D1", "stock")
)


def product_row(index: int, sku: str, name: str, price: str = "1", stock: str = "1") -> str:
    return row(
        index,
        inline(f"A{index}", sku),
        inline(f"B{index}", name),
        number(f"C{index}", price),
        number(f"D{index}", stock),
    )


def package(
    rows: str = "",
    *,
    dimension: str = "",
    prolog: str = "",
    shared: bytes | None = None,
    sheets: str = SHEET_ENTRY,
    sheet_bytes: bytes | None = None,
) -> bytes:
    """A minimal XLSX package written with zipfile (members streamed in 1 MB pieces)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        has_shared = shared is not None
        archive.writestr(
            "[Content_Types].xml", CONTENT_TYPES.format(shared=SHARED_OVERRIDE * has_shared)
        )
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK.format(sheets=sheets))
        archive.writestr(
            "xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(shared=SHARED_REL * has_shared)
        )
        sheet = sheet_bytes or SHEET.format(prolog=prolog, dimension=dimension, rows=rows).encode()
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if has_shared:
            archive.writestr("xl/sharedStrings.xml", shared)
    return buffer.getvalue()


def streamed_member(name: str, head: bytes, filler: bytes, times: int, tail: bytes) -> bytes:
    """A package whose `name` member is head + filler * times + tail, written in pieces."""
    buffer = io.BytesIO(package(HEADER_ROW + product_row(2, "A-1", "a")))
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for member in source.infolist():
            if member.filename == name:
                continue
            archive.writestr(member.filename, source.read(member.filename))
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as handle:
            handle.write(head)
            for _ in range(times):
                handle.write(filler)
            handle.write(tail)
    return out.getvalue()


def shared_strings(*texts: str) -> bytes:
    items = "".join(f"<si><t>{text}</t></si>" for text in texts)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main" count="{len(texts)}" uniqueCount="{len(texts)}">{items}</sst>'
    ).encode()


def shared_string_bomb(megabytes: int = 300) -> bytes:
    """One shared string of 300 MB: about 300 KB zipped (issue 12.3)."""
    data = streamed_member(
        "xl/sharedStrings.xml",
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>',
        b"A" * 2**20,
        megabytes,
        b"</t></si></sst>",
    )
    # Declare the part in the manifest so openpyxl would load it whole.
    return _with_shared_override(data)


def _with_shared_override(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for member in source.infolist():
            if member.filename == "[Content_Types].xml":
                archive.writestr(member.filename, CONTENT_TYPES.format(shared=SHARED_OVERRIDE))
            elif member.filename == "xl/_rels/workbook.xml.rels":
                archive.writestr(member.filename, WORKBOOK_RELS.format(shared=SHARED_REL))
            else:
                # copy compressed bytes as they are: no inflating of the bomb here
                with source.open(member) as src, archive.open(member, "w", force_zip64=True) as dst:
                    while chunk := src.read(2**20):
                        dst.write(chunk)
    return out.getvalue()


def sheet_whitespace_bomb(megabytes: int = 200) -> bytes:
    """A sheet padded with 200 MB of spaces between rows (a plain zip bomb)."""
    head = SHEET.format(prolog="", dimension="", rows=HEADER_ROW + "{pad}").split("{pad}")
    return streamed_member(
        "xl/worksheets/sheet1.xml",
        head[0].encode(),
        b" " * 2**20,
        megabytes,
        (product_row(2, "A-1", "a") + head[1]).encode(),
    )


def lying_sizes() -> bytes:
    """sharedStrings.xml declares 64 bytes but inflates to 10 MB: zipfile's CRC check."""
    data = bytearray(package(HEADER_ROW, shared=shared_strings("x" * 10_000_000)))
    name = b"xl/sharedStrings.xml"
    # Local header: uncompressed size at offset 22; central directory entry: at offset 24.
    position = 0
    while (position := data.find(name, position)) != -1:
        if data[position - 30 : position - 26] == b"PK\x03\x04":
            struct.pack_into("<I", data, position - 30 + 22, 64)
        elif data[position - 46 : position - 42] == b"PK\x01\x02":
            struct.pack_into("<I", data, position - 46 + 24, 64)
        position += len(name)
    return bytes(data)


def billion_laughs() -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    prolog = f"<!DOCTYPE worksheet [{entities}]>\n"
    return package(HEADER_ROW + product_row(2, "A-1", "&lol9;"), prolog=prolog)


def external_entity() -> bytes:
    prolog = '<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    return package(HEADER_ROW + product_row(2, "A-1", "&secret;"), prolog=prolog)


XLSX_FILES = {
    # <dimension> claims every cell of the sheet; one real row sits at the very bottom.
    "dimension_claims_whole_sheet.xlsx": lambda: package(
        HEADER_ROW + product_row(1048576, "LAST-1", "Bottom row"),
        dimension='<dimension ref="A1:XFD1048576"/>',
    ),
    "cell_in_last_column.xlsx": lambda: package(
        HEADER_ROW + row(1048576, number("XFD1048576", "1")),
        dimension='<dimension ref="A1:XFD1048576"/>',
    ),
    "shared_string_bomb.xlsx": shared_string_bomb,
    # Under the whole file's bound, over the bound of a part that is read whole.
    "shared_string_of_100_mb.xlsx": lambda: shared_string_bomb(100),
    "sheet_whitespace_bomb.xlsx": sheet_whitespace_bomb,
    # Within every size bound, but 1,000 to 1: refused for its ratio, whatever the limit.
    "sheet_with_10_mb_of_spaces.xlsx": lambda: sheet_whitespace_bomb(10),
    "shared_string_of_10_mb.xlsx": lambda: shared_string_bomb(10),
    # Under a 100 MB upload limit's part bound: only the ratio keeps it from being loaded.
    "shared_string_of_90_mb.xlsx": lambda: shared_string_bomb(90),
    "lying_member_sizes.xlsx": lying_sizes,
    "billion_laughs.xlsx": billion_laughs,
    "external_entity.xlsx": external_entity,
    # XML 1.0 has no way to write a C0 control character: the parser refuses the reference.
    "control_character_in_shared_string.xlsx": lambda: package(
        HEADER_ROW
        + row(
            2,
            '<c r="A2" t="s"><v>0</v></c>',
            '<c r="B2" t="s"><v>1</v></c>',
            number("C2", "1"),
            number("D2", "1"),
        ),
        shared=shared_strings("A-1", "Bell&#7;name"),
    ),
    "stock_above_int32.xlsx": lambda: package(
        HEADER_ROW + product_row(2, "A-1", "Big", stock="2147483648")
    ),
    "stock_1e300.xlsx": lambda: package(HEADER_ROW + product_row(2, "A-1", "Huge", stock="1e300")),
    "no_sheets.xlsx": lambda: package(sheets=""),
    "truncated_zip.xlsx": lambda: package(HEADER_ROW + product_row(2, "A-1", "a"))[:300],
    "not_a_zip.xlsx": lambda: b"PK\x03\x04" + b"\x00" * 200,
    "crc_damaged.xlsx": lambda: _damage(package(HEADER_ROW + product_row(2, "A-1", "a"))),
}


def _damage(data: bytes) -> bytes:
    """Flip a byte inside the sheet's compressed data: its CRC no longer matches."""
    damaged = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    damaged[start + info.compress_size // 2] ^= 0xFF
    return bytes(damaged)


def main() -> None:
    for name, text in CSV_FILES.items():
        (HERE / name).write_bytes(text.encode())
    for name, data in CSV_BYTES.items():
        (HERE / name).write_bytes(data)
    for name, build in XLSX_FILES.items():
        (HERE / name).write_bytes(build())


if __name__ == "__main__":
    main()
