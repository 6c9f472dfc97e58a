"""Fixtures of the accounts tests: throttle rates for one test, the mail switch."""

import importlib

import pytest
from django.urls import clear_url_caches


@pytest.fixture
def throttle_rates(settings):
    """Set some scopes' rates for one test (DRF keeps the rates on the throttle class)."""
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES

    def set_rates(**rates: str) -> None:
        merged = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates)
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": merged}
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES

    yield set_rates
    SimpleRateThrottle.THROTTLE_RATES = original


def remount_urls() -> None:
    """Build the URL patterns again, as a start-up with the current settings would."""
    import accounts.urls
    import argmap.urls

    importlib.reload(accounts.urls)
    importlib.reload(argmap.urls)
    clear_url_caches()


@pytest.fixture
def mail_configured(settings):
    """EMAIL_HOST set at start-up (pytest-django keeps sent mail in mail.outbox)."""
    original = settings.EMAIL_HOST
    settings.EMAIL_HOST = "mail.example.org"
    remount_urls()
    yield
    settings.EMAIL_HOST = original
    remount_urls()
