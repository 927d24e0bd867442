"""The catalog: products and articles, and the stock ledger."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
