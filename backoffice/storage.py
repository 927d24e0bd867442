"""Static files storage for production: WhiteNoise's compressed manifest storage, with a
workaround for jazzmin asking the manifest for a directory, and each URL worked out once."""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Strict manifest lookups, except for directories that templates name on purpose.

    jazzmin 3.0's admin/base.html renders ``{% static 'vendor/bootswatch' %}`` (the base URL
    its theme chooser appends a theme to). A directory is never in the manifest, so a strict
    storage raises "Missing staticfiles manifest entry" on every admin page with DEBUG off
    (farridav/django-jazzmin#684). Only the names listed here get the unhashed URL; every
    other missing file still fails loudly.

    url() remembers each name's URL: the manifest is read once, when the storage is made, so
    a name's URL never changes afterwards, yet working it out (manifest lookup, urljoin,
    unquote) cost ~13 microseconds, and an admin list page asks ~80 times (the boolean
    column's icon on every row, the menus' and the page's assets) (docs/performance.md).
    """

    unhashed_directories = frozenset({"vendor/bootswatch"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def stored_name(self, name: str) -> str:
        if name.strip("/") in self.unhashed_directories:
            return name
        return super().stored_name(name)

    def url(self, name: str, force: bool = False) -> str:
        if force or settings.DEBUG:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url
