"""A product importer that pauses after each chunk it writes and says so in a file, so a
test can kill the worker in the middle of a confirmed import, deterministically.

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
