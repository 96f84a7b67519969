"""Serializer building blocks shared by the apps."""

import datetime as dt
from urllib.parse import urlsplit

from django.db import models
from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text.

    The contract's string fields are strings: ``{"title": 12}`` is a 400, as the OpenAPI
    schema says, not a post titled "12".
    """

    default_error_messages = {"invalid": "Not a valid string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


NOT_A_LINK = "Give an http(s) URL or a relative path."


def validate_link(value: str) -> None:
    """A URL or path a page may show (image, photo): http(s) or relative, never ``javascript:``
    or ``data:`` (a client rendering it as a link or image source would run or load it)."""
    if urlsplit(value.strip()).scheme.lower() not in ("", "http", "https"):
        raise serializers.ValidationError(NOT_A_LINK)


class UTCDateTimeField(serializers.DateTimeField):
    """ISO 8601 in UTC with microseconds (API.md), for every year a client may write.

    ``strftime("%Y")`` writes the year 166 as "166", which is not ISO 8601; isoformat pads it.
    """

    def to_representation(self, value):
        return utc_iso(None if value is None else self.enforce_timezone(value))


def utc_iso(value: dt.datetime | None) -> str | None:
    """An aware datetime as the API writes it: ISO 8601, UTC, microseconds, ``Z``."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class StrictModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.DateTimeField: UTCDateTimeField,
    }
