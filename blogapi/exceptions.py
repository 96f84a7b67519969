"""The one error envelope of API.md: ``{"status": "fail"|"error", "detail": ..., ["errors": ...]}``."""

import logging
from http import HTTPStatus

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from psycopg.errors import QueryCanceled
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = "Database unavailable"
QUERY_TOO_SLOW = "The request took too long and was stopped; narrow it down (fewer or longer search terms)."
INVALID_INPUT = "Invalid input."
RETRY_AFTER_SECONDS = "5"


def envelope(status_code: int, detail: str, **extra) -> dict:
    return {"status": "error" if status_code >= 500 else "fail", "detail": detail, **extra}


def json_error(status_code: int, detail: str | None = None, **extra) -> JsonResponse:
    """An error response outside DRF (middleware, Django's handlers)."""
    detail = detail or HTTPStatus(status_code).phrase
    response = JsonResponse(
        envelope(status_code, detail, **extra), status=status_code, json_dumps_params={"separators": (",", ":")}
    )
    if status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
        response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def is_database_outage(exc: Exception) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError))


def outage_detail(exc: Exception) -> str:
    """What a 503 says: a statement stopped by statement_timeout, or the database being away."""
    return QUERY_TOO_SLOW if isinstance(exc.__cause__, QueryCanceled) else DATABASE_UNAVAILABLE


def _first_message(data) -> str:
    if isinstance(data, dict):
        data = data.get("detail", next(iter(data.values()), ""))
    if isinstance(data, list):
        data = data[0] if data else ""
    return _first_message(data) if isinstance(data, (dict, list)) else str(data)


def _flat_messages(messages) -> list[str]:
    """A field's messages as a flat list (API.md: ``"errors": {"field": ["message"]}``).

    A list field's errors come per item (``{"0": ["..."]}``): they become "Item 1: ...".
    """
    if isinstance(messages, dict):
        return [
            f"Item {int(key) + 1}: {message}" if str(key).isdigit() else f"{key}: {message}"
            for key, value in messages.items()
            for message in _flat_messages(value)
        ]
    if isinstance(messages, list):
        return [message for item in messages for message in _flat_messages(item)]
    return [str(messages)]


def database_unavailable_response(detail: str = DATABASE_UNAVAILABLE, **extra) -> Response:
    return Response(
        envelope(status.HTTP_503_SERVICE_UNAVAILABLE, detail, **extra),
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


def exception_handler(exc, context):
    if is_database_outage(exc):
        logger.error("Database unavailable: %s", exc)
        return database_unavailable_response(outage_detail(exc))
    if isinstance(exc, DjangoValidationError):
        # Raised by services (e.g. a slug lost to a concurrent writer): a 400 like a serializer's.
        exc = exceptions.ValidationError(as_serializer_error(exc))

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: JSONErrorMiddleware answers 500 and logs the traceback

    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        errors = {field: _flat_messages(messages) for field, messages in errors.items()}
        non_field = errors.get("non_field_errors")
        detail = _first_message(non_field) if non_field else INVALID_INPUT
        response.data = envelope(response.status_code, detail, errors=errors)
    else:
        response.data = envelope(response.status_code, _first_message(response.data))
    return response
