"""The one settings module of argmap, driven by environment variables.

Development defaults are safe: with nothing set, argmap uses an embedded SQLite
file and runs background tasks in-process, and DEBUG is off. Production (DEBUG
off) refuses to start without a real SECRET_KEY.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from argmap.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("ARGMAP_DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

_DEV_SECRET_KEY = "django-insecure-argmap-development-only"  # noqa: S105 (dev only, refused below)
SECRET_KEY = env_str("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (production).")
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured("SECRET_KEY is a development or too short key; set a real one.")

# --- Production needs its database and broker (issue 12, item 19) ---
# Without DATABASE_URL argmap falls back to an embedded SQLite file, and without
# REDIS_URL it runs the ranking inside the web request: right for `make run`,
# wrong for a production that merely forgot a variable. DEBUG off refuses to
# start without both unless the operator opts in to one machine on purpose.
ARGMAP_SINGLE_BOX = env_bool("ARGMAP_SINGLE_BOX", False)
if not DEBUG and not ARGMAP_SINGLE_BOX:
    _missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not env_str(name)]
    if _missing:
        raise ImproperlyConfigured(
            f"{' and '.join(_missing)} must be set when DEBUG is off (production); "
            "set ARGMAP_SINGLE_BOX=1 to run on purpose with SQLite and/or the ranking "
            "inside the web process."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])

INSTALLED_APPS = [
    # Before django.contrib.auth: its changepassword command is accounts' own
    # (which also revokes the API token).
    "accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "claims",
    "cruxes",
    "discussion",
]

MIDDLEWARE = [
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (vendored htmx, Cytoscape) served by the app itself in production.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy on every response (issue 12, item 17; policy below).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A NUL byte in a page's query string or form: 400 naming it (issue 12, item 16).
    "core.middleware.NulByteMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "argmap.urls"

TEMPLATES = [
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
    },
]

WSGI_APPLICATION = "argmap.wsgi.application"
ASGI_APPLICATION = "argmap.asgi.application"

# Database: PostgreSQL from DATABASE_URL, else an embedded SQLite file so that
# `make run` works on a machine with no database server.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
    DATABASES["default"].setdefault("OPTIONS", {})
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Fail fast instead of hanging when the server is unreachable.
        DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "db.sqlite3",
            "OPTIONS": {"timeout": 20},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"

LOGIN_URL = "/accounts/login/"
# Lockout after repeated failed logins (per username and address), HTML and API.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900)
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- Client address, lockout, tokens, mail (issue 12, items 7, 9, 11 and 12) ---
# How many reverse proxies of our own stand in front of the app. 0 (the default:
# clients connect to the app directly) ignores X-Forwarded-For, which a client
# writes itself; behind N proxies the N-th X-Forwarded-For entry from the right
# is the client. Every throttle and the login lockout read it (core.net).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
# Every password check (log-in page, admin, API token) goes through the lockout.
AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutModelBackend"]
# API tokens stop working this many seconds after they were issued; 0: never.
API_TOKEN_LIFETIME_SECONDS = env_int("API_TOKEN_LIFETIME_SECONDS", 0)
# Mail. The password-reset pages are mounted only when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST", "") or ""
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "argmap <noreply@localhost>")

# Background work. With REDIS_URL, Celery talks to Redis and a real worker runs
# the tasks; without it, tasks run in-process (after the commit that scheduled
# them), so the app still works with nothing but SQLite.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task must finish well inside the visibility timeout, or Redis would hand an
# unacknowledged message to a second worker while the first still runs it.
CELERY_BROKER_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Publishing happens inside a web request: never retry for long when the broker
# is down; the sweep repairs what could not be enqueued.
CELERY_TASK_PUBLISH_RETRY = False
RANKING_SWEEP_SECONDS = env_int("RANKING_SWEEP_SECONDS", 30)
# Two queues, so that an edit's ranking never waits behind a slow background job: the
# default queue ("celery") carries the ranking runs, their sweeps and prunes; the
# background queue the schools of thought (~2 s on a 10k map with many voters) and the
# duplicate search. Deployments run a worker for each (docker-compose.yml, scripts/run.sh);
# a single worker may consume both (`-Q celery,background`).
RANKING_QUEUE = "celery"
BACKGROUND_QUEUE = "background"
CELERY_TASK_DEFAULT_QUEUE = RANKING_QUEUE
CELERY_TASK_ROUTES = {
    "cruxes.tasks.recompute_schools": {"queue": BACKGROUND_QUEUE},
    "claims.tasks.duplicates_refresh": {"queue": BACKGROUND_QUEUE},
}
# Debounce of recomputes in the worker (no waiting when tasks run in-process,
# where the wait would hold up the web request).
RANKING_DEBOUNCE_MS = env_int("RANKING_DEBOUNCE_MS", 150 if REDIS_URL else 0)
RANKING_MAX_DELAY_MS = env_int("RANKING_MAX_DELAY_MS", 1000 if REDIS_URL else 0)

# --- Ranking history and vote privacy (issue 12, items 3 and 15) ---
# Every run stores a score row per crux and frame (a 20k-node map: ~5 MB a
# vote), so old runs are pruned: kept are the newest RANKING_KEEP_RUNS runs of a
# map and the newest run of each of the last RANKING_KEEP_DAILY_DAYS days (UTC),
# enough for the runs list and the diffs people ask for. The worker prunes a map
# after storing its run; beat prunes every map every RANKING_PRUNE_SECONDS (for
# maps that get no new run). At least 2 runs: the diff of the latest two works.
RANKING_KEEP_RUNS = env_int("RANKING_KEEP_RUNS", 20)
RANKING_KEEP_DAILY_DAYS = env_int("RANKING_KEEP_DAILY_DAYS", 30)
RANKING_PRUNE_SECONDS = env_int("RANKING_PRUNE_SECONDS", 3600)
if RANKING_KEEP_RUNS < 2 or RANKING_KEEP_DAILY_DAYS < 0 or RANKING_PRUNE_SECONDS < 1:
    raise ImproperlyConfigured(
        "RANKING_KEEP_RUNS must be at least 2, RANKING_KEEP_DAILY_DAYS at least 0 "
        "and RANKING_PRUNE_SECONDS at least 1."
    )
# Below this many voters on a node, everyone sees how many voted but no mean,
# median, SD, histogram or community credence of the node (pages, API, exports,
# the ranking's rows): with one or two voters those give each vote away. The
# ranking itself still counts every vote. 1 turns the floor off.
PRIVACY_MIN_VOTERS = env_int("PRIVACY_MIN_VOTERS", 3)
if PRIVACY_MIN_VOTERS < 1:
    raise ImproperlyConfigured("PRIVACY_MIN_VOTERS must be at least 1.")

# --- Schools of thought (issue 18; cruxes/schools_service.py) ---
# The worker groups a map's voters after its ranking runs, but on a busy map at most
# once per SCHOOLS_MIN_INTERVAL_S seconds (0: after every run); beat sweeps the maps
# whose schools are older than their ranking this often too (every 10 s at the least).
# Below the broker's visibility timeout: the delayed message waits that long.
SCHOOLS_MIN_INTERVAL_S = env_int("SCHOOLS_MIN_INTERVAL_S", 60)
if not 0 <= SCHOOLS_MIN_INTERVAL_S < CELERY_BROKER_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "SCHOOLS_MIN_INTERVAL_S must be 0 or more and below CELERY_VISIBILITY_TIMEOUT."
    )

# How long a merge of duplicate nodes (issue 17) can be undone from the map's
# activity, in days: the undo restores both nodes exactly, which needs the merge's
# record and nothing changed since on what it moved.
MERGE_UNDO_DAYS = env_int("MERGE_UNDO_DAYS", 30)
if MERGE_UNDO_DAYS < 0:
    raise ImproperlyConfigured("MERGE_UNDO_DAYS must be at least 0.")

# --- Voters' standing on a map (issue 13, item 3; cruxes/standing.py) ---
# The owner and the members the owner admitted (voter or editor) count fully in
# a map's pooled credences; every other signed-in voter counts
# RANKING_NONMEMBER_WEIGHT (0 to 1), so a few fresh accounts cannot move the
# ranking much, until admitted, or until a track record earns full standing: an
# account older than RANKING_TRUSTED_ACCOUNT_DAYS with at least
# RANKING_TRUSTED_CONTRIBUTIONS nodes of its own still on the map.
_nonmember_weight = env_str("RANKING_NONMEMBER_WEIGHT", "0.1") or "0.1"
try:
    RANKING_NONMEMBER_WEIGHT = float(_nonmember_weight)
except ValueError:
    RANKING_NONMEMBER_WEIGHT = float("nan")
if not 0.0 <= RANKING_NONMEMBER_WEIGHT <= 1.0:
    raise ImproperlyConfigured(
        f"RANKING_NONMEMBER_WEIGHT={_nonmember_weight!r} must be a number from 0 to 1."
    )
RANKING_TRUSTED_ACCOUNT_DAYS = env_int("RANKING_TRUSTED_ACCOUNT_DAYS", 90)
RANKING_TRUSTED_CONTRIBUTIONS = env_int("RANKING_TRUSTED_CONTRIBUTIONS", 3)
if RANKING_TRUSTED_ACCOUNT_DAYS < 0 or RANKING_TRUSTED_CONTRIBUTIONS < 1:
    raise ImproperlyConfigured(
        "RANKING_TRUSTED_ACCOUNT_DAYS must be 0 or more, RANKING_TRUSTED_CONTRIBUTIONS 1 or more."
    )

ARGMAP_MAX_IMPORT_BYTES = env_int("ARGMAP_MAX_IMPORT_BYTES", 10 * 1024 * 1024)
# Django reads a raw body into memory up to this size; imports need the file's
# size plus room, everything else is small.
DATA_UPLOAD_MAX_MEMORY_SIZE = ARGMAP_MAX_IMPORT_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = ARGMAP_MAX_IMPORT_BYTES + 1024 * 1024

# --- Stored exports (issue 12, item 5) ---
# Each whole-map export is written once per map version here and served from
# the file until the map changes (claims/downloads.py); one file per map and
# format is kept.
EXPORT_STORE_DIR = Path(env_str("ARGMAP_EXPORT_DIR", str(DATA_DIR / "exports")))

# Throttle counters live in the cache: Redis when there is one (shared by all
# web workers), otherwise process memory.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api_base.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttles.AnonRateThrottle",
        "core.throttles.UserRateThrottle",
        "core.throttles.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON", "300/min"),
        "user": env_str("THROTTLE_USER", "1200/min"),
        "vote": env_str("THROTTLE_VOTE", "240/min"),
        "register": env_str("THROTTLE_REGISTER", "10/hour"),
        "token": env_str("THROTTLE_TOKEN", "30/min"),
        "import": env_str("THROTTLE_IMPORT", "20/hour"),
        # Whole-map downloads by anonymous callers, per address (issue 12, item 5).
        "export": env_str("THROTTLE_EXPORT", "60/hour"),
        # Requests to mail a password-reset link, per address (issue 12, item 12).
        "password_reset": env_str("THROTTLE_PASSWORD_RESET", "5/hour"),
    },
    # DRF's own client address agrees with core.net (whose throttles override it).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # `?format=` names an export or import file format here, not a renderer.
    "URL_FORMAT_OVERRIDE": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "argmap API",
    "DESCRIPTION": "Maps of the arguments of AI alignment: frames, claims, cruxes, credences "
    'and the crux ranking. Errors are {"error": {"code", "message", "fields"}}.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "NodeKindEnum": "claims.models.NodeKind",
        "EdgeKindEnum": "claims.models.EdgeKind",
        "FrameCategoryEnum": "claims.models.FrameCategory",
        "VisibilityEnum": "claims.models.Visibility",
        "MemberRoleEnum": "claims.models.MemberRole",
        "ContributionEnum": "claims.models.Contribution",
        "JoinStatusEnum": "claims.models.JoinStatus",
        "CommentKindEnum": "discussion.models.CommentKind",
    },
}

# --- Content-Security-Policy (issue 12, item 17; django-csp) ---
# Scripts, styles, fonts and fetches come from this origin only: no inline
# script, style block, style attribute or event handler anywhere (htmx's own
# indicator style is off in base.html and its rules are in argmap.css; Swagger
# UI's start-up script is a separate file), so an injected <script> or
# onerror= cannot run even if escaping ever failed. Images may also be data:
# URIs (Swagger UI's icons are data: SVGs in its stylesheet). Nothing may frame
# the pages, post a form elsewhere, move the base URL or load a plugin. With
# DEBUG on, django-csp leaves Django's technical 404/500 pages (inline styles)
# without the header; production also upgrades any http:// subresource.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "upgrade-insecure-requests": not DEBUG,
    }
}

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# One console handler at the root. Django's own "django" logger writes to its
# own console (with DEBUG on) and propagates to the root as well, which printed
# each of its lines twice ("Watching for file changes with StatReloader"):
# here it only propagates. Without REDIS_URL, Celery's in-process "memory://"
# broker has no host, and kombu warns "No hostname was supplied" once per
# process: not the user's business (with a real broker the URL names its host,
# and a real connection problem is still logged as an error).
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # Configuring "django" resets its children: runserver's access log keeps
        # its own handler and format, as in Django's default logging.
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        **({} if REDIS_URL else {"kombu.connection": {"level": "ERROR"}}),
    },
}
