"""Alerts: low-stock alerts and deletion records, written by signal receivers."""

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
