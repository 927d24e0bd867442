"""Static files storage for production: WhiteNoise's compressed manifest storage, with a
workaround for jazzmin asking the manifest for a directory."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Strict manifest lookups, except for directories that templates name on purpose.

    jazzmin 3.0's admin/base.html renders ``{% static 'vendor/bootswatch' %}`` (the base URL
    its theme chooser appends a theme to). A directory is never in the manifest, so a strict
    storage raises "Missing staticfiles manifest entry" on every admin page with DEBUG off
    (farridav/django-jazzmin#684). Only the names listed here get the unhashed URL; every
    other missing file still fails loudly.
    """

    unhashed_directories = frozenset({"vendor/bootswatch"})

    def stored_name(self, name: str) -> str:
        if name.strip("/") in self.unhashed_directories:
            return name
        return super().stored_name(name)
