"""Casework's Django settings: one module, read from the environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dotenv import load_dotenv

from casework.config.env import data_dir, database_config, env_bool, env_number, secret_key

load_dotenv(os.environ.get("CASEWORK_ENV_FILE", ".env"), override=False)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = data_dir()
# Under pytest the test settings apply even when CASEWORK_TESTING was not exported.
TESTING = env_bool("CASEWORK_TESTING") or "pytest" in sys.modules
DEBUG = env_bool("CASEWORK_DEBUG")
SECRET_KEY = secret_key(DATA_DIR, debug=DEBUG or TESTING)

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("CASEWORK_ALLOWED_HOSTS", "*").split(",")]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CASEWORK_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
BASE_URL = os.environ.get("CASEWORK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "crontask",
    "casework.core",
    "casework.iam",
    "casework.accounts",
    "casework.automation",
    "casework.cases",
    "casework.channels",
    "casework.sla",
    "casework.routing",
    "casework.knowledge",
    "casework.portal",
    "casework.reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "casework.core.api.ApiErrorsAsJson",
    "casework.core.api_input.RefuseNulCharacters",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "casework.config.urls"
ASGI_APPLICATION = "casework.config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES: list[dict[str, object]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

DATABASES: dict[str, dict[str, object]] = {
    "default": database_config(os.environ.get("CASEWORK_DATABASE_URL"), DATA_DIR)
}
if os.environ.get("CASEWORK_TEST_DB_NAME"):
    # Lets several test runs share one PostgreSQL server without colliding.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["CASEWORK_TEST_DB_NAME"]}
if str(DATABASES["default"]["ENGINE"]).endswith("postgresql"):
    # Only there: importing it loads psycopg and libpq (about 25 MB per process).
    INSTALLED_APPS.insert(INSTALLED_APPS.index("django.contrib.staticfiles") + 1, "django.contrib.postgres")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "iam.User"
AUTHENTICATION_BACKENDS = ["casework.iam.backends.EmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests hash thousands of passwords.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("CASEWORK_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("CASEWORK_MEDIA_DIR", DATA_DIR / "media"))
MEDIA_URL = "/media/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG and not TESTING and env_bool("CASEWORK_HTTPS", True):
    SESSION_COOKIE_SECURE = env_bool("CASEWORK_SECURE_COOKIES", False)
    CSRF_COOKIE_SECURE = env_bool("CASEWORK_SECURE_COOKIES", False)

# An API body larger than this is refused with 413 before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(env_number("CASEWORK_MAX_BODY_BYTES", 5 * 1024 * 1024))
CASEWORK_MAX_ATTACHMENT_BYTES = int(env_number("CASEWORK_MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024))

CASE_NUMBER_PREFIX = os.environ.get("CASEWORK_CASE_PREFIX", "CS")
AUTO_CLOSE_DAYS = int(env_number("CASEWORK_AUTO_CLOSE_DAYS", 5))

# How often a process asks whether another one changed the configuration (rules,
# triggers, policies) it caches; tests ask every time.
CASEWORK_CONFIG_RECHECK_SECONDS = 0.0 if TESTING else env_number("CASEWORK_CONFIG_RECHECK_SECONDS", 1.0)

REDIS_URL = os.environ.get("CASEWORK_REDIS_URL", "").strip() or None

# Mail Casework itself sends (sign-in links, notifications to agents). Case
# replies go out through each mailbox's own SMTP settings (channels area).
# Without CASEWORK_SMTP_URL, mail is written to files in DATA_DIR/outbox.
DEFAULT_FROM_EMAIL = os.environ.get("CASEWORK_FROM_EMAIL", "Casework <casework@localhost>")
MAILERS: dict[str, dict[str, object]] = {
    "default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(DATA_DIR / "outbox")},
    }
}
if os.environ.get("CASEWORK_SMTP_URL"):
    from urllib.parse import unquote, urlparse

    _smtp = urlparse(os.environ["CASEWORK_SMTP_URL"])  # smtp://, smtp+starttls:// or smtps://
    MAILERS["default"] = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _smtp.hostname or "127.0.0.1",
            "port": _smtp.port or 25,
            "username": unquote(_smtp.username or ""),
            "password": unquote(_smtp.password or ""),
            "use_tls": _smtp.scheme == "smtp+starttls",
            "use_ssl": _smtp.scheme == "smtps",
            "timeout": 30,
        },
    }

TASKS: dict[str, dict[str, object]]
if os.environ.get("CASEWORK_TASKS_BACKEND") == "immediate":
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
elif REDIS_URL and os.environ.get("CASEWORK_TASKS_BACKEND", "redis") == "redis":
    INSTALLED_APPS.append("django_tasks_redis")
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_redis.RedisTaskBackend",
            "QUEUES": ["default"],
            "OPTIONS": {"REDIS_URL": REDIS_URL},
        }
    }
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# With Redis, the scheduler takes a lock so that only one runs per installation.
CRONTASK = {"REDIS_URL": REDIS_URL} if REDIS_URL else {}

CACHES = (
    {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    if REDIS_URL
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CASEWORK_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "apscheduler": {"level": "WARNING"},
    },
}
