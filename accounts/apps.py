from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Registration, login (with its lockout) and API tokens."""

    name = "accounts"
    verbose_name = "Accounts"
