from django.apps import AppConfig


class CruxesConfig(AppConfig):
    name = "cruxes"
    verbose_name = "Credences and crux ranking"
