"""Uploads waiting between an import's preview and its confirm, in Django's default storage.

Saving, reading, removing and purging all go through the one storage named here, so the
purge sees exactly what the upload wrote. Default storage works with several app servers
(a shared volume or an S3-like backend). Names are random; a name that is not one of ours
is treated as missing, never opened (docs/architecture.md#the-import-engine).
"""

import os
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, default_storage
from django.utils import timezone

from .source import FileSource

UPLOAD_FOLDER = "import-uploads"
_NAME = re.compile(r"[0-9a-f]{32}")


def upload_storage() -> Storage:
    return default_storage


class ImportUploadStorage:
    """One uploaded file: save it in chunks, read it back (whole or as a stream), remove it."""

    def __init__(self, *, name: str | None = None) -> None:
        self.name = name

    @property
    def path(self) -> str:
        if self.name is None or not _NAME.fullmatch(self.name):
            raise FileNotFoundError(self.name)
        return f"{UPLOAD_FOLDER}/{self.name}"

    def save(self, data: bytes | File) -> None:
        """Store the upload chunk by chunk (import-export's own admin concatenates chunks)."""
        self.name = os.urandom(16).hex()
        content = data if isinstance(data, File) else ContentFile(data)
        saved = upload_storage().save(self.path, content)
        # A storage may rename a clash; the random name makes one practically impossible.
        self.name = os.path.basename(saved)

    def read(self, size: int = -1) -> bytes:
        """The stored bytes (the first `size` of them, if given); FileNotFoundError if the
        upload is gone or the name is not ours."""
        with upload_storage().open(self.path, "rb") as handle:
            return handle.read(size)

    def source(self) -> FileSource:
        """The stored file, read as a stream from storage pass by pass (a worker never holds
        it whole); FileNotFoundError if the upload is gone or the name is not ours."""
        path, storage = self.path, upload_storage()
        size = storage.size(path)
        return FileSource(opener=lambda: storage.open(path, "rb"), size=size)

    def remove(self) -> None:
        storage = upload_storage()
        if storage.exists(self.path):
            storage.delete(self.path)


def import_uploads_purge(*, older_than: timedelta | None = None) -> int:
    """Delete uploads left behind by previews nobody confirmed; return how many."""
    if older_than is None:
        older_than = timedelta(hours=settings.BACKOFFICE_IMPORT_UPLOAD_MAX_AGE_HOURS)
    return len(
        old_files_delete(
            storage=upload_storage(), folder=UPLOAD_FOLDER, before=timezone.now() - older_than
        )
    )


def old_files_delete(*, storage: Storage, folder: str, before: datetime) -> list[str]:
    """Delete the files of `folder` in `storage` last modified before `before`; their paths."""
    try:
        _folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    removed = []
    for name in files:
        path = f"{folder}/{name}"
        if storage.get_modified_time(path) < before:
            storage.delete(path)
            removed.append(path)
    return removed
