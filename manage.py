#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blogapi.settings")
    # Commands (migrations over many rows, seeding, job workers) are not bound by the API's
    # statement timeout.
    os.environ["DATABASE_STATEMENT_TIMEOUT"] = "0"
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        sys.exit(f"Configuration error: {exc}")


if __name__ == "__main__":
    main()
