"""An upload handler that refuses a file over BACKOFFICE_IMPORT_MAX_BYTES as it arrives.

First in FILE_UPLOAD_HANDLERS: Django's own handlers (memory, then a temporary file) only
ever receive the first BACKOFFICE_IMPORT_MAX_BYTES of a file. A request that announces a
larger body has its file skipped before any byte is stored; otherwise the file is counted
chunk by chunk and skipped once past the limit. Django reads and discards the rest of the
body, then the import form shows the same message as the size check after upload
(docs/architecture.md#the-import-engine).
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest

from .reading import too_large_message

# Room for the form's other fields and the multipart headers around the file.
FORM_OVERHEAD_BYTES = 64 * 1024


class LimitedUploadHandler(FileUploadHandler):
    refused: str | None = None
    request_length = 0
    received = 0

    @property
    def limit(self) -> int:
        return settings.BACKOFFICE_IMPORT_MAX_BYTES

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_length = content_length or 0

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0
        if self.request_length > self.limit + FORM_OVERHEAD_BYTES:
            self._refuse(self.request_length)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse(max(self.received, self.request_length))
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) builds the file

    def _refuse(self, size: int) -> None:
        self.refused = too_large_message(name=self.file_name, size=size)
        raise SkipFile


def upload_refusal(request: HttpRequest) -> str | None:
    """The message for a file this request's upload handler refused, if any."""
    for handler in getattr(request, "upload_handlers", ()):
        if isinstance(handler, LimitedUploadHandler) and handler.refused:
            return handler.refused
    return None
