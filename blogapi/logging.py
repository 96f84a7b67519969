"""Structured request logging: one JSON line per request, with its id and duration."""

import json
import logging
import re
import time
import uuid

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("blogapi.request")

REQUEST_ID_HEADER = "X-Request-ID"
# A client- or proxy-supplied id is kept only if it is short and harmless in logs.
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
# Emailed tokens travel in the path: whoever reads the log must not be able to use them.
TOKEN_IN_PATH = re.compile(r"^(/api/auth/(?:verifyemail|resetpassword)/)(?!resend/?$)[^/]+")
REDACTED = "[redacted]"


def loggable_path(path: str) -> str:
    return TOKEN_IN_PATH.sub(rf"\g<1>{REDACTED}", path)


class JSONFormatter(logging.Formatter):
    """Log records as JSON objects; ``extra={"fields": {...}}`` adds keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supplied = request.headers.get(REQUEST_ID_HEADER, "")
        request.id = supplied if SAFE_REQUEST_ID.match(supplied) else uuid.uuid4().hex
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        response[REQUEST_ID_HEADER] = request.id
        user = getattr(request, "user", None)
        path = loggable_path(request.path)
        logger.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "fields": {
                    "request_id": request.id,
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": str(user.pk) if user is not None and user.is_authenticated else None,
                    "remote_addr": request.META.get("REMOTE_ADDR"),
                    # With read replicas: where the request's reads went (blogapi.db_router).
                    **({"read_database": request.read_database} if hasattr(request, "read_database") else {}),
                }
            },
        )
        return response
