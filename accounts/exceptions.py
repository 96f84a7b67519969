"""Contract messages (API.md, Accounts) and the exceptions that carry them."""

from rest_framework import status
from rest_framework.exceptions import APIException

ACCOUNT_EXISTS = "Account already exist"
REGISTERED = "Verification token successfully sent to your email"
EMAIL_SEND_FAILED = "There was an error sending email"
VERIFIED = "Account verified successfully"
VERIFY_TOKEN_INVALID = "Email can only be verified once"
VERIFY_TOKEN_EXPIRED = "Verification link has expired; ask for a new one"
VERIFICATION_RESENT = "If that address needs verifying, a new verification link has been sent to it"
BAD_CREDENTIALS = "Incorrect Email or Password"
NOT_VERIFIED = "Please verify your email address"
DEACTIVATED = "This account has been deactivated"
REFRESH_MISSING = "Please provide refresh token"
REFRESH_INVALID = "Refresh token is invalid, expired or revoked"
RESET_SENT = "You will receive a reset email if user with that email exist"
RESET_TOKEN_INVALID = "Password reset link is invalid or has already been used"
RESET_TOKEN_EXPIRED = "Password reset link has expired; ask for a new one"
PASSWORD_UPDATED = "Password data updated successfully"
PASSWORDS_DO_NOT_MATCH = "Passwords do not match"


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
