"""Uploads over BACKOFFICE_IMPORT_MAX_BYTES are refused as they arrive (issue 12.6).

The request body is produced while Django reads it; a handler placed after the project's
own (where Django's memory and temporary-file handlers sit) counts what would be stored.
"""

import time

import pytest
from django.core.files.uploadhandler import FileUploadHandler
from django.urls import reverse

from catalog.models import Product

pytestmark = pytest.mark.usefixtures("upload_media")

BOUNDARY = "hostileboundary"
MB = 1024 * 1024


class StoringHandlerSpy(FileUploadHandler):
    """Stands where Django's storing handlers are: records every byte it is handed."""

    received: list[int] = []

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        StoringHandlerSpy.received.append(len(raw_data))
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class StreamedBody:
    """A multipart body of `size` file bytes, generated as it is read, never held whole."""

    def __init__(self, size: int, name: str = "big.csv") -> None:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="resource"\r\n\r\n0\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="import_file"; '
            f'filename="{name}"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        self.parts = [head, size, f"\r\n--{BOUNDARY}--\r\n".encode()]
        self.length = len(self.parts[0]) + size + len(self.parts[2])
        self.served = 0
        self._pending = b""
        self._iterator = self._pieces()

    def _pieces(self):
        yield self.parts[0]
        row = b"S-1,name,1.00,1\n" * 4096  # 64 KB
        left = self.parts[1]
        while left:
            piece = row[: min(left, len(row))]
            left -= len(piece)
            yield piece
        yield self.parts[2]

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._pending) < size:
            piece = next(self._iterator, None)
            if piece is None:
                break
            self._pending += piece
        if size < 0:
            size = len(self._pending)
        out, self._pending = self._pending[:size], self._pending[size:]
        self.served += len(out)
        return out

    def readline(self, size: int = -1) -> bytes:  # part of the WSGI input API; unused here
        raise NotImplementedError


@pytest.fixture
def spy(settings):
    StoringHandlerSpy.received = []
    handlers = list(settings.FILE_UPLOAD_HANDLERS)
    # Right after the project's limit (first), before Django's memory/temporary handlers.
    settings.FILE_UPLOAD_HANDLERS = [
        *handlers[:1],
        "tests.catalog.test_import_upload_limit.StoringHandlerSpy",
        *handlers[1:],
    ]
    return StoringHandlerSpy


def post_streamed(client, body: StreamedBody):
    return client.request(
        REQUEST_METHOD="POST",
        PATH_INFO=reverse("admin:catalog_product_import"),
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(body.length),
        **{"wsgi.input": body},
    )


def test_a_200_mb_upload_is_refused_before_any_byte_is_stored(superuser_client, spy):
    body = StreamedBody(200 * MB)

    started = time.perf_counter()
    response = post_streamed(superuser_client, body)
    seconds = time.perf_counter() - started

    assert response.status_code == 200
    page = response.content.decode()
    assert "&#x27;big.csv&#x27; is 200.0 MB; the limit is 100.0 MB." in page
    assert "This field is required" not in page
    assert "confirm_form" not in response.context
    assert sum(spy.received) == 0  # the limit refused it when the request announced its size
    assert not Product.objects.exists()
    print(f"200 MB streamed upload refused in {seconds:.2f} s")


def test_a_file_growing_past_the_limit_is_cut_off_at_the_limit(superuser_client, spy, settings):
    settings.BACKOFFICE_IMPORT_MAX_BYTES = 1 * MB
    # Announced size within the limit plus the form's overhead: counted chunk by chunk.
    body = StreamedBody(1 * MB + 32 * 1024)

    response = post_streamed(superuser_client, body)

    assert "&#x27;big.csv&#x27; is 1.0 MB; the limit is 1.0 MB." in response.content.decode()
    assert 0 < sum(spy.received) <= settings.BACKOFFICE_IMPORT_MAX_BYTES
    assert not Product.objects.exists()


def test_an_upload_within_the_limit_reaches_the_preview(superuser_client, spy):
    body = StreamedBody(64 * 1024)

    response = post_streamed(superuser_client, body)

    assert response.status_code == 200
    assert sum(spy.received) == 64 * 1024
    # The file arrived whole and was stored: its header row is not ours, so the page asks
    # which of its columns is which (issue 17, item 4).
    assert "Match the columns of big.csv" in response.content.decode()
