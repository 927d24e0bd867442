"""The import engine reads a file as a stream (backoffice.kit.importing.source) and finds
duplicate keys in a SQLite temporary file (seen_keys): a worker's memory grows with neither
the file's bytes nor its number of keys."""

import codecs
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest

from backoffice.kit.importing import source as source_module
from backoffice.kit.importing.reading import read_table
from backoffice.kit.importing.seen_keys import SeenKeys
from backoffice.kit.importing.source import FileSource, first_undecodable
from backoffice.kit.importing.storage import ImportUploadStorage
from backoffice.kit.jobs.import_reports import estimate_rows

ROOT = Path(__file__).resolve().parents[2]


def products_file(path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("sku,name,price,stock\n")
        for number in range(rows):
            handle.write(f"ST-{number:07d},Product {number} with a longer name,12.50,{number}\n")


def test_reading_a_file_holds_a_few_buffers_not_the_file(tmp_path):
    path = tmp_path / "products.csv"
    products_file(path, 100_000)
    source = FileSource.from_path(path)
    assert source.size > 4_000_000

    tracemalloc.start()
    try:
        table = read_table(data=source, file_format="csv", known=["sku"], price_columns=["price"])
        rows = sum(1 for _ in table.rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == 100_001
    assert table.notes == ["Read as comma-separated, decimal point."]
    # A chunk of the encoding check and its decoded text, whatever the file's size.
    assert peak < 3 * source_module.CHUNK_BYTES < source.size / 1.5, f"{peak:,} bytes held"


def test_the_worker_reads_the_upload_from_storage_as_a_stream(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    storage = ImportUploadStorage()
    storage.save(b"sku,name,price,stock\nA-1,One,1.00,1\nA-2,Two,2.00,2")
    source = storage.source()
    assert source.size == 50
    assert estimate_rows(source, "x.csv") == 2
    assert b"".join(source.chunks(7)).endswith(b"A-2,Two,2.00,2")
    with pytest.raises(FileNotFoundError):
        ImportUploadStorage(name="0" * 32).source()
    with pytest.raises(FileNotFoundError):
        ImportUploadStorage(name="../../etc/passwd").source()


@pytest.mark.parametrize(
    "data",
    [
        b"ab\nc\xe9\nd",
        "a\u00e9\nb\n".encode() + b"\xff",
        codecs.BOM_UTF8 + b"ab\n\xff",
        b"a\xc3",  # a character cut by the end of the file
        "h\u00e9llo\nw\u00f6rld".encode(),
    ],
)
def test_the_first_undecodable_byte_is_found_across_chunk_boundaries(monkeypatch, data):
    monkeypatch.setattr(source_module, "CHUNK_BYTES", 3)  # characters split between chunks
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        data[skip:].decode("utf-8")
        expected = None
    except UnicodeDecodeError as error:
        offset = skip + error.start
        expected = (offset, data[offset], data.count(b"\n", 0, offset) + 1)
    found = first_undecodable(FileSource.from_bytes(data), "utf-8", skip=skip)
    assert (found and (found.offset, found.byte, found.line)) == expected


def test_seen_keys_remember_the_first_row_of_each_key_exactly():
    seen = SeenKeys()
    for row in range(2, 5002):
        assert seen.first_row(f"K-{row}", row) == row
    assert seen.first_row("K-2", 9000) == 2
    assert seen.first_row("K-5001", 9001) == 5001
    assert seen.first_row("K-50010", 9002) == 9002  # a longer key sharing a prefix is new
    assert seen.first_row("", 9003) == 9003
    assert seen.first_row("", 9004) == 9003
    assert seen.first_row("\u00e9t\u00e9", 9005) == 9005
    assert seen.first_row("\u00e9t\u00e9", 9006) == 9005
    assert len(seen) == 5003


def test_seen_keys_compare_exact_bytes():
    seen = SeenKeys()
    assert seen.first_row("abc", 2) == 2
    assert seen.first_row("ABC", 3) == 3  # the importer folds case (match_key), not this
    assert seen.first_row("abc\x00", 4) == 4
    assert seen.first_row(b"abc", 5) == 2  # bytes and text compare by the text's bytes
    assert seen.first_row(12, 6) == 6
    assert seen.first_row("12", 7) == 6
    seen.close()


def test_a_million_keys_cost_the_process_a_few_megabytes():
    """The keys spill to SQLite's temporary file: a 1M-row file's SKUs do not grow the
    worker by the ~110 MB a dict of them takes (measured in a fresh process: peak RSS)."""
    script = textwrap.dedent(
        """
        import resource
        from backoffice.kit.importing.seen_keys import SeenKeys

        def peak():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

        before = peak()
        with SeenKeys() as seen:
            for row in range(1_000_000):
                seen.first_row(f"SKU-{row:08d}", row + 2)
            assert seen.first_row("SKU-00000007", 5) == 9
            assert len(seen) == 1_000_000
        print(peak() - before)
        """
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    grown_kib = int(finished.stdout.split()[-1])
    # Measured: ~8 MB; held in memory (":memory:") ~25 MB, a dict of the keys ~116 MB.
    assert grown_kib < 16 * 1024, f"{grown_kib} KiB"
