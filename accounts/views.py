"""Accounts endpoints (API.md, Accounts). Views pick serializers and call accounts.services."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import messages, services
from accounts.authentication import REFRESH_COOKIE, UNTRUSTED_ORIGIN, is_cross_site
from accounts.cookies import clear_auth_cookies, set_auth_cookies
from accounts.exceptions import BadRequest
from accounts.serializers import (
    EmailSerializer,
    LoginSerializer,
    PasswordPairSerializer,
    RefreshSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    UserSerializer,
)
from accounts.throttles import AuthEndpointThrottle
from blogapi.schema import ErrorSerializer, MessageSerializer, SuccessSerializer, ValidationErrorSerializer

VERIFY_EMAIL_PATH = "/api/auth/verifyemail/{token}"
RESET_PASSWORD_PATH = "/api/auth/resetpassword/{token}"


def success(message: str | None = None, *, status_code: int = status.HTTP_200_OK) -> Response:
    body = {"status": "success"} if message is None else {"status": "success", "message": message}
    return Response(body, status=status_code)


def link_template(configured: str, api_path: str) -> str:
    """The front end's page when configured (VERIFICATION_URL...), else this API's own URL.

    Never built from the request: its Host header (with any port) is the client's to choose,
    and a reset link pointing at an attacker's host hands them the token.
    """
    return configured or settings.PUBLIC_URL + api_path


def token_pair_response(refresh) -> Response:
    access_token, refresh_token = str(refresh.access_token), str(refresh)
    response = Response({"status": "success", "access_token": access_token, "refresh_token": refresh_token})
    set_auth_cookies(response, access_token=access_token, refresh_token=refresh_token)
    return response


def refresh_from(request) -> str | None:
    """The refresh token from the body, else from the refresh_token cookie."""
    data = request.data if request.method == "POST" else {}
    serializer = RefreshSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data.get("refresh") or request.COOKIES.get(REFRESH_COOKIE) or None


# Public endpoints read no credentials at all: a stale or invalid access cookie must not
# turn a login or a refresh into a 401.
class PublicView(APIView):
    permission_classes = [AllowAny]
    skips_authentication = True  # read by blogapi.schema

    def perform_authentication(self, request):
        pass  # DRF authenticates eagerly here; skipping keeps request.user lazy and unused


class ThrottledPublicView(PublicView):
    throttle_classes = [AuthEndpointThrottle]


class RegisterView(ThrottledPublicView):
    """Create an account and email its verification link. The account can log in once verified."""

    throttle_scope = "register"

    @extend_schema(request=RegisterSerializer, responses={201: MessageSerializer, 409: ErrorSerializer})
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.user_register(
            name=data["name"],
            email=data["email"],
            password=data["password"],
            photo=data.get("photo"),
            link_template=link_template(settings.VERIFICATION_URL, VERIFY_EMAIL_PATH),
        )
        return success(messages.REGISTERED, status_code=status.HTTP_201_CREATED)


class VerifyEmailView(PublicView):
    """Verify the account of the token sent in the verification email (single use)."""

    @extend_schema(responses={200: MessageSerializer, 403: ErrorSerializer})
    def get(self, request, token: str):
        services.email_verify(raw_token=token)
        return success(messages.VERIFIED)


class EmailedLinkView(ThrottledPublicView):
    """Email a link when the address has an account that qualifies; the answer is the same either way."""

    send_link = None  # the service: send_link(email=..., link_template=...)
    link_setting = ""  # the setting with the front end's URL template
    link_path = ""  # the API's own URL template, when that setting is empty
    message = ""

    @extend_schema(request=EmailSerializer, responses={200: MessageSerializer})
    def post(self, request):
        serializer = EmailSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.send_link(
            email=serializer.validated_data["email"],
            link_template=link_template(getattr(settings, self.link_setting), self.link_path),
        )
        return success(self.message)


class VerificationResendView(EmailedLinkView):
    """Send the verification link again (the same answer whether or not the address exists)."""

    throttle_scope = "verification_resend"
    send_link = staticmethod(services.verification_resend)
    link_setting, link_path = "VERIFICATION_URL", VERIFY_EMAIL_PATH
    message = messages.VERIFICATION_RESENT


class LoginView(ThrottledPublicView):
    """Log in: an access and a refresh token in the body, and as HttpOnly cookies."""

    throttle_scope = "login"

    @extend_schema(
        request=LoginSerializer,
        responses={200: TokenPairSerializer, 400: ValidationErrorSerializer, 401: ErrorSerializer},
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return token_pair_response(services.user_login(**serializer.validated_data))


# Not simplejwt's TokenRefreshView (so SIMPLE_JWT has no rotation settings): it reads the token
# from the body only (the contract also takes the refresh_token cookie), answers {"access", "refresh"}
# without cookies and with its own errors (a field error where the contract wants 400
# REFRESH_MISSING, "Token is invalid" where it wants REFRESH_INVALID), has no GET alias (the
# tutorial's), raises User.DoesNotExist (a 500) for a deleted user, and its rotation ignores whether
# its blacklist row already existed, so concurrent refreshes with one token all succeed.
# services.tokens_refresh blacklists and mints in one transaction, once per token.
class RefreshView(PublicView):
    """Exchange a refresh token for a new token pair; the old refresh token stops working."""

    http_method_names = ["get", "post", "options"]  # HEAD would run GET: a rotation

    @extend_schema(
        request=RefreshSerializer,
        responses={200: TokenPairSerializer, 400: ValidationErrorSerializer, 401: ErrorSerializer},
        description="The refresh token comes from the body or the refresh_token cookie.",
    )
    def post(self, request):
        raw_refresh = refresh_from(request)
        if not raw_refresh:
            raise BadRequest(messages.REFRESH_MISSING)
        return token_pair_response(services.tokens_refresh(raw_refresh=raw_refresh))

    get = post


class LogoutView(APIView):
    """Revoke the refresh token (cookie or body) and clear the auth cookies."""

    http_method_names = ["get", "post", "options"]  # HEAD would run GET: a logout

    permission_classes = [IsAuthenticated]

    @extend_schema(request=RefreshSerializer, responses={200: SuccessSerializer})
    def post(self, request):
        services.refresh_token_revoke(user=request.user, raw_refresh=refresh_from(request))
        response = success()
        clear_auth_cookies(response)
        return response

    @extend_schema(responses={200: SuccessSerializer}, description="The tutorial's GET alias of POST.")
    def get(self, request):
        # SameSite=Lax sends the cookies on another site's links: a cookie-authenticated GET
        # logout must not come from another site (a header-authenticated one cannot).
        if "Authorization" not in request.headers and is_cross_site(request):
            raise PermissionDenied(UNTRUSTED_ORIGIN)
        return self.post(request)


class ForgotPasswordView(EmailedLinkView):
    """Email a password reset link (the same answer whether or not the address exists)."""

    throttle_scope = "password_forgot"
    send_link = staticmethod(services.password_forgot)
    link_setting, link_path = "PASSWORD_RESET_URL", RESET_PASSWORD_PATH
    message = messages.RESET_SENT


class ResetPasswordView(PublicView):
    """Set a new password with the token of the reset email; every refresh token of the account is revoked."""

    @extend_schema(request=PasswordPairSerializer, responses={200: MessageSerializer, 403: ErrorSerializer})
    def patch(self, request, token: str):
        serializer = PasswordPairSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset(raw_token=token, password=serializer.validated_data["password"])
        return success(messages.PASSWORD_UPDATED)


class MeView(generics.RetrieveUpdateAPIView):
    """The authenticated user; name and photo can be changed."""

    serializer_class = UserSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user
