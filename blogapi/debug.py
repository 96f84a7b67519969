"""Django's DEBUG pages, without the secrets that hide in URLs."""

import re

from django.views.debug import SafeExceptionReporterFilter


class SecretURLFilter(SafeExceptionReporterFilter):
    """Also masks settings and environment values named like a URL or location.

    Django masks names with KEY, SECRET, PASS, TOKEN...; a Redis or database URL with its
    password (CACHES' LOCATION, DATABASE_URL, EMAIL_URL in the environment) has none of these.
    """

    hidden_settings = re.compile("API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL|LOCATION|DSN", flags=re.I)
