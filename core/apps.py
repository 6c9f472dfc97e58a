from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Infrastructure both apps share: domain errors, the API base, throttles,
    middleware and input checks. Imports neither `claims` nor `cruxes`."""

    name = "core"
    verbose_name = "Shared infrastructure"
