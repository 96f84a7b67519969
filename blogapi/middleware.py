"""Keeps every non-admin answer JSON (API.md, Envelope): Django's own HTML pages never leak out.

DRF converts only its own exceptions; unknown URLs, a bad Host, an oversized body,
uncaught exceptions and the DEBUG pages come from Django as HTML. This middleware sits
outermost and turns each of them into the contract's envelope.
"""

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse

from blogapi.exceptions import is_database_outage, json_error, outage_detail

logger = logging.getLogger("blogapi.errors")

ADMIN_PREFIX = "/admin/"
CLIENT_ERRORS = (Http404, PermissionDenied, BadRequest, SuspiciousOperation)


class JSONErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rejection = self.reject(request)
        if rejection is not None:
            return rejection
        response = self.get_response(request)
        if response.status_code >= 400 and not self.is_json(response) and not self.is_admin_page(request, response):
            return json_error(response.status_code)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, CLIENT_ERRORS):
            return None  # Django answers these with a 4xx, made JSON on the way out in __call__
        if is_database_outage(exception):
            logger.error("Database unavailable: %s", exception)
            return json_error(503, outage_detail(exception))
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return json_error(500)

    @staticmethod
    def reject(request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return json_error(400, "Invalid Content-Length header.")
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return json_error(413, f"Request body too large (at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes).")
        if not length and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            # Django reads no body without Content-Length: valid JSON would look empty.
            return json_error(411, "A request body needs a Content-Length header.")
        try:
            query = request.GET.lists()
        except SuspiciousOperation as exc:  # e.g. TooManyFieldsSent
            return json_error(400, str(exc))
        # PostgreSQL text cannot hold NUL: psycopg would raise on any such parameter.
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in query
        ):
            return json_error(400, "NUL characters are not allowed in the URL.")
        return None

    @staticmethod
    def is_json(response: HttpResponse) -> bool:
        return response.get("Content-Type", "").startswith("application/json")

    @staticmethod
    def is_admin_page(request: HttpRequest, response: HttpResponse) -> bool:
        """The admin is a browser UI: its 4xx pages stay HTML; a crash in it still gets JSON."""
        return request.path.startswith(ADMIN_PREFIX) and response.status_code < 500


class HeadWithoutBodyMiddleware:
    """Answer HEAD with GET's headers and no body.

    Django leaves the body in; gunicorn then drops it and logs a warning per request
    (load balancers' HEAD health checks would fill the log).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method == "HEAD" and not response.streaming:
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response
