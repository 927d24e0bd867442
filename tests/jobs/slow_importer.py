"""Product importers that pause after each chunk they write (or check) and say so in a file,
so a test can kill the worker in the middle of an import (or its validation),
deterministically.

Imported by the worker process through the job's `importer` path; the marker folder comes
from the environment the test gives the worker.
"""

import os
import time
from pathlib import Path

from catalog.importers import ProductImporter

MARKER_FOLDER = "TEST_SLOW_IMPORT_MARKERS"
PAUSE_SECONDS = 0.4


class SlowProductImporter(ProductImporter):
    def write(self, created, updated, fields) -> None:
        super().write(created, updated, fields)
        folder = Path(os.environ[MARKER_FOLDER])
        written = len(list(folder.iterdir()))
        (folder / f"{os.getpid()}-{written + 1}").write_text(str(len(created) + len(updated)))
        time.sleep(PAUSE_SECONDS)


class SlowCheckingProductImporter(ProductImporter):
    """Pauses after each chunk it checks, in the preview's dry run too."""

    def prepare(self, rows, report):
        folder = Path(os.environ[MARKER_FOLDER])
        checked = len(list(folder.iterdir()))
        (folder / f"{os.getpid()}-{checked + 1}").write_text(str(len(rows)))
        time.sleep(PAUSE_SECONDS)
        return super().prepare(rows, report)
