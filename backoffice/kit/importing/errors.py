"""The error for a file that cannot be read as a whole, and how sizes are shown in it."""


class ImportFileError(Exception):
    """The file as a whole cannot be read: wrong type, encoding, size, header or shape."""


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
