"""Settings for blogapi, read from the environment (see .env.example for every variable)."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from blogapi.embedded_postgres import ensure_database_url
from blogapi.jwt_keys import load_jwt_keys

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CLIENT_ORIGINS = env.list("CLIENT_ORIGIN", default=["http://localhost:3000"])

INSTALLED_APPS = [
    "blogapi.admin_site.BlogAdminConfig",  # django.contrib.admin with a throttled login
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "posts",
    "idempotency",
    "events",
    "procrastinate.contrib.django",
]

MIDDLEWARE = [
    "blogapi.logging.RequestLogMiddleware",
    "blogapi.middleware.HeadWithoutBodyMiddleware",
    "blogapi.middleware.JSONErrorMiddleware",
    "blogapi.db_router.ReplicaMiddleware",  # removes itself without DATABASE_REPLICA_URL
    "blogapi.http.CacheControlMiddleware",
    "blogapi.ratelimit.RateLimitHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "blogapi.urls"
WSGI_APPLICATION = "blogapi.wsgi.application"
APPEND_SLASH = False  # API.md: every path answers with and without a trailing slash, no redirect

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "blogapi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL, or the embedded PostgreSQL under .data/ when unset (development only).
if not DEBUG and not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL must be set when DEBUG is off (the embedded PostgreSQL is for development only)."
    )
ensure_database_url()
CONN_MAX_AGE = env.int("CONN_MAX_AGE", default=60)
# No statement may run longer (ms): a costly search is stopped and answered 503 well before
# gunicorn's 30 s worker timeout. manage.py (migrations, seeding, job workers) sets 0: none.
STATEMENT_TIMEOUT = env.int("DATABASE_STATEMENT_TIMEOUT", default=10_000)


def database_config(url: str) -> dict:
    """One DATABASES entry: the primary and each replica get the same options."""
    config = env.db_url_config(url)
    config.update(CONN_MAX_AGE=CONN_MAX_AGE, CONN_HEALTH_CHECKS=True)
    # A database outage must answer 503 quickly, not hang a worker.
    config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    if STATEMENT_TIMEOUT:
        config["OPTIONS"]["options"] = f"-c statement_timeout={STATEMENT_TIMEOUT}"
    return config


DATABASES = {"default": database_config(env.str("DATABASE_URL"))}
# Read replicas (API.md, Scale-out; blogapi.db_router): "replica1", "replica2", ... in the order given.
# In tests they mirror the test database.
DATABASE_REPLICAS = []
for number, replica_url in enumerate(env.list("DATABASE_REPLICA_URL", default=[]), start=1):
    DATABASES[f"replica{number}"] = {**database_config(replica_url), "TEST": {"MIRROR": "default"}}
    DATABASE_REPLICAS.append(f"replica{number}")
DATABASE_ROUTERS = ["blogapi.db_router.ReplicaRouter"] if DATABASE_REPLICAS else []
# A client's reads go to the primary for this long after its last write, on every node (via the cache).
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=5)
# A replica further behind than this is skipped (reads go to the primary or another replica).
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=10.0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Throttle counts live here: set CACHE_URL to Redis so that all workers share them.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # Fail fast when Redis is down (the throttles then let requests through).
    CACHES["default"].setdefault("OPTIONS", {}).update(socket_connect_timeout=1, socket_timeout=1)

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"  # filled by `manage.py collectstatic` (the Docker image does)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # gzip/brotli copies at collectstatic time: the docs' JavaScript bundles are megabytes.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Well above the largest valid post (50,000 characters, JSON-escaped); larger bodies get 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# --- REST framework -------------------------------------------------------------------
AUTH_THROTTLE_RATE = env.str("AUTH_THROTTLE_RATE", default="10/minute")
AUTH_THROTTLE_SCOPES = ("login", "register", "verification_resend", "password_forgot", "admin_login")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.JWTCookieAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["blogapi.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "blogapi.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "blogapi.schema.BlogAutoSchema",
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%S.%fZ",  # always UTC, always microseconds (API.md)
    # Every endpoint but the auth ones (which have their own): off unless the rates are set.
    "DEFAULT_THROTTLE_CLASSES": ["blogapi.ratelimit.AnonThrottle", "blogapi.ratelimit.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        **dict.fromkeys(AUTH_THROTTLE_SCOPES, AUTH_THROTTLE_RATE),
        "anon": env.str("ANON_THROTTLE_RATE", default="") or None,
        "user": env.str("USER_THROTTLE_RATE", default="") or None,
    },
    # Clients are told apart by REMOTE_ADDR; behind N trusted proxies, by X-Forwarded-For.
    # Never None: DRF would then trust an X-Forwarded-For the client made up.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

# --- Posts (API.md, Posts) -----------------------------------------------------------------
# Anonymous clients read live posts; PUBLIC_READ=0 restores the tutorial's 401 for every read.
PUBLIC_READ = env.bool("PUBLIC_READ", default=True)
# Where a post lives on the blog's site, for feed links: "{slug}" is replaced. Unset: the API's own URL.
POST_URL = env.str("POST_URL", default="")
# Webhooks may target loopback/private addresses (development, tests): never in production.
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
# First wait before a failed delivery is retried; each retry then waits twice as long (up to 4 h).
WEBHOOK_FIRST_RETRY_SECONDS = env.int("WEBHOOK_FIRST_RETRY_SECONDS", default=30)
# Writes to a post without If-Match are refused (428) when set: clients must prove what they saw.
REQUIRE_IF_MATCH = env.bool("REQUIRE_IF_MATCH", default=False)

# --- JWT (API.md, Tokens) ---------------------------------------------------------------
JWT_ALGORITHM = env.str("JWT_ALGORITHM", default="RS256")
JWT_SIGNING_KEY, JWT_VERIFYING_KEY = load_jwt_keys(
    algorithm=JWT_ALGORITHM,
    private_key=env.str("JWT_PRIVATE_KEY", default=""),
    public_key=env.str("JWT_PUBLIC_KEY", default=""),
    debug=DEBUG,
    data_dir=DATA_DIR,
)
ACCESS_TOKEN_LIFETIME = timedelta(minutes=env.int("ACCESS_TOKEN_EXPIRES_IN", default=15))
REFRESH_TOKEN_LIFETIME = timedelta(minutes=env.int("REFRESH_TOKEN_EXPIRES_IN", default=60))
SIMPLE_JWT = {
    "ALGORITHM": JWT_ALGORITHM,
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "VERIFYING_KEY": JWT_VERIFYING_KEY,
    "ACCESS_TOKEN_LIFETIME": ACCESS_TOKEN_LIFETIME,
    "REFRESH_TOKEN_LIFETIME": REFRESH_TOKEN_LIFETIME,
    "LEEWAY": 0,
    # No ROTATE_REFRESH_TOKENS / BLACKLIST_AFTER_ROTATION: only simplejwt's own refresh/verify views read them;
    # rotation with blacklisting is accounts.services.tokens_refresh (accounts.views.RefreshView says why).
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "sub",
}

# Emailed single-use tokens, and where their links point (a front end's page, or the API itself).
VERIFICATION_TOKEN_LIFETIME = timedelta(minutes=env.int("VERIFICATION_TOKEN_EXPIRES_IN", default=1440))
PASSWORD_RESET_TOKEN_LIFETIME = timedelta(minutes=env.int("PASSWORD_RESET_TOKEN_EXPIRES_IN", default=30))
VERIFICATION_URL = env.str("VERIFICATION_URL", default="")  # e.g. http://localhost:3000/verifyemail/{token}
PASSWORD_RESET_URL = env.str("PASSWORD_RESET_URL", default="")  # e.g. http://localhost:3000/resetpassword/{token}
# The API's own address, for links in emails (never taken from a request's Host header).
# Default: the first allowed host, on the port `make run` serves (development) or https.
PUBLIC_URL = env.str(
    "PUBLIC_URL", default=f"http://{ALLOWED_HOSTS[0]}:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0]}"
).rstrip("/")

# --- Email ----------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Blog API <noreply@localhost>")
EMAIL_TIMEOUT = 10

# --- CORS (API.md): the CLIENT_ORIGIN front ends, with credentials ----------------------
CORS_ALLOWED_ORIGINS = CLIENT_ORIGINS
CORS_ALLOW_CREDENTIALS = True
CSRF_TRUSTED_ORIGINS = CLIENT_ORIGINS

# --- OpenAPI (drf-spectacular); Swagger UI and ReDoc assets bundled by the sidecar ------------
SPECTACULAR_SETTINGS = {
    "TITLE": "Blog API",
    "DESCRIPTION": (
        "Posts CRUD behind JWT authentication (RS256). Authenticate with `Authorization: Bearer <access_token>` "
        "from `POST /api/auth/login`, or with the HttpOnly cookies it sets. Every error body is "
        '`{"status": "fail"|"error", "detail": "..."}`; validation errors add `errors`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "/api/redoc",  # blogapi.docs: the sidecar's bundle without its cdn.redoc.ly logo
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "blogapi.schema.strip_trailing_slashes",
        "blogapi.schema.post_fields_always_present",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ErrorStatusEnum": ["fail", "error"],
        "SuccessStatusEnum": ["success"],
        "OutageStatusEnum": ["error"],
        "RoleEnum": "accounts.models.Role",
        "PostStatusWriteEnum": ["draft", "published"],
        "PostStatusEnum": ["draft", "scheduled", "published"],
    },
}

# --- Security (`manage.py check --deploy` passes with DEBUG off) ---------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading is a commitment the operator makes for the whole domain, not a default.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^api/healthchecker/?$"]  # probes from inside the network speak plain http
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients):
# without this, Django sees http, redirects forever and builds http:// links.
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# DEBUG pages (the admin's) mask URLs too: they carry passwords (Redis, database, SMTP).
DEFAULT_EXCEPTION_REPORTER_FILTER = "blogapi.debug.SecretURLFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "blogapi.logging.JSONFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # At INFO: a line per job deferred and run, per periodic tick, per task registered by
        # every manage.py command. Failed jobs are logged at WARNING and above.
        "procrastinate": {"level": "WARNING"},
        # Every request is logged once by blogapi.request; Django's own 4xx lines would repeat it.
        "django.request": {"level": "ERROR"},
    },
}
