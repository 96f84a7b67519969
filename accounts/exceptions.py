"""Exceptions with the contract's status codes (API.md, Accounts); their texts live in accounts.messages."""

from rest_framework import status
from rest_framework.exceptions import APIException

from accounts.messages import EMAIL_SEND_FAILED


class BadRequest(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class EmailDeliveryFailed(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = EMAIL_SEND_FAILED
    default_code = "email_failed"
