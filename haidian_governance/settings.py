"""Settings for the Haidian school governance portal.

Every value comes from the environment (see `.env.example`). Without any variable the portal runs on a
local SQLite file with Celery tasks executed eagerly, so a new user needs nothing else.
"""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_float, env_int, env_list, env_str
from .logging_config import build_logging

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DJANGO_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG is off (production).")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "core.admin_apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "axes",
    "simple_history",
    "csp",
    "django_guid",
    "core",
    "schools",
    "meetings",
    "decisions",
    "reports",
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",  # first: every later log line of the request carries its id
    "core.faults.DatabaseUnavailableMiddleware",  # database down: 503 page / JSON instead of a 500
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # before whitenoise, so static files carry the policy as well
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "haidian_governance.urls"
WSGI_APPLICATION = "haidian_governance.wsgi.application"

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
                "core.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
else:
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)
    # PostgreSQL's JIT spends seconds compiling the dashboard's and the rules' aggregates; its default
    # random_page_cost (4, spinning disks) makes it hash whole tables where a few index lookups do (people by id
    # for a page of communications: 4.8 ms against 0.3 ms). Both per connection, see docs/benchmarks.md.
    options = [f"-c random_page_cost={env_float('DB_RANDOM_PAGE_COST', 1.1)}"]
    if not env_bool("DB_JIT", False):
        options.append("-c jit=off")
    DATABASES["default"]["OPTIONS"]["options"] = " ".join(options)
    # Prepared statements: parameters bound by the server, and a statement run twice on a connection is
    # prepared, so PostgreSQL stops planning it anew for every request (≈ 0.3 ms a query; a school page has
    # three). Off (DB_PREPARED_STATEMENTS=false) behind a pooler in transaction mode, e.g. PgBouncer < 1.21.
    if env_bool("DB_PREPARED_STATEMENTS", True):
        DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ----------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "nightly-compliance": {
        "task": "decisions.tasks.check_compliance_all",
        "schedule": crontab(hour=1, minute=30),
    },
    "nightly-evidence-sweep": {  # files left by evidence uploads whose transaction rolled back
        "task": "decisions.tasks.sweep_evidence_files",
        "schedule": crontab(hour=2, minute=15),
    },
}
# Re-run the compliance rules for a school after each write that may change its findings.
COMPLIANCE_CHECK_ON_WRITE = env_bool("COMPLIANCE_CHECK_ON_WRITE", True)
# A queued re-check of a school is skipped when a check of that school started after it was published has
# completed (decisions.services.compliance); a check must have started more than this many seconds after the
# publish time. 0 when the web and worker hosts keep their clocks in step (NTP).
COMPLIANCE_RECHECK_CLOCK_SKEW = env_float("COMPLIANCE_RECHECK_CLOCK_SKEW", 0.0)
# A check that runs also takes the other schools waiting for one, up to this many schools in all (1: only its own).
COMPLIANCE_RECHECK_BATCH = env_int("COMPLIANCE_RECHECK_BATCH", 50)

# --- reports ---
# Monthly PDF reports (reports.tasks). PDF work runs on its own queue `pdf` (start workers with
# `celery -A haidian_governance worker -Q pdf,celery`); a worker child is replaced after 50 tasks so memory
# cannot creep. A message not acknowledged within `visibility_timeout` seconds is redelivered by Redis: it
# stays above the longest task (hard limit 660 s) and above the retry back-off cap (600 s, reports/tasks.py).
CELERY_TASK_ROUTES = {
    # Re-checks after a write have their own queue and worker (`-Q compliance`, docs/operations.md): behind a
    # district PDF they would wait minutes, and a child replaced every 50 tasks costs seconds under load, while
    # most re-check messages are skipped in a few ms (decisions.services.compliance).
    "decisions.tasks.check_compliance_for_school": {"queue": "compliance"},
    "reports.tasks.render_report": {"queue": "pdf"},
    "reports.tasks.render_report_part": {"queue": "pdf"},
    "reports.tasks.merge_report_parts": {"queue": "pdf"},
}
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 50)
# The id of the request that sent a task on each of its log lines (haidian_governance/celery.py).
CELERY_WORKER_LOG_FORMAT = "[%(asctime)s: %(levelname)s/%(processName)s] [%(request_id)s] %(message)s"
CELERY_WORKER_TASK_LOG_FORMAT = (
    "[%(asctime)s: %(levelname)s/%(processName)s] [%(request_id)s] %(task_name)s[%(task_id)s]: %(message)s"
)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    # Redis down: a web request gives up on the broker within ~2 s (core.faults.publish_task) and the report
    # waits as 等待队列 until `dispatch-waiting-reports` (below) finds the broker again.
    "socket_connect_timeout": 2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A district report is a chord (parts per 学区 → merge), and chords need a result backend: Redis when the
# broker is Redis. Other tasks keep `ignore_result=True`; stored results expire after a day.
if CELERY_RESULT_BACKEND is None and CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BEAT_SCHEDULE["monthly-reports"] = {
    "task": "reports.tasks.render_monthly_reports",
    "schedule": crontab(day_of_month=1, hour=2, minute=0),  # CELERY_TIMEZONE: Asia/Shanghai
}
CELERY_BEAT_SCHEDULE["dispatch-waiting-reports"] = {
    "task": "reports.tasks.dispatch_waiting_reports",
    "schedule": 60.0,  # reports stored as 等待队列 while Redis was down are sent within a minute of its return
}

if REDIS_URL:
    CACHES = {
        "default": {
            # Redis down: a miss instead of an error (core.faults), so pages and the API keep working.
            "BACKEND": "core.faults.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Scope-wide figures (dashboard aggregates, list counts) are cached under the data version (core.dataversion),
# which every write changes; this TTL is only a safety net. Off (0) without Redis: the local-memory cache of one
# process cannot see a write made through another (gunicorn workers), so its figures could be stale.
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 600 if REDIS_URL else 0)

# --- Authentication -------------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "core.backends.DistrictAdminPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "haidian_governance.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},  # in Chinese
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions end after SESSION_COOKIE_AGE (default 8 h, one working day) counted from the login, or when the
# browser closes, whichever comes first. SESSION_SAVE_EVERY_REQUEST=true turns the age into an idle timeout
# instead (each request extends it; costs one session write per request). Cookies are never readable by
# scripts (the portal has none that would need them) and not sent on cross-site sub-requests.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
# With Redis, sessions are read from the cache and written through to the database (Django's cached_db): one
# database query less on every request, and a session survives a Redis restart.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SESSION_SAVE_EVERY_REQUEST = env_bool("SESSION_SAVE_EVERY_REQUEST", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# Lock-out after repeated failed logins, counted per username *and* address so that colleagues behind
# one school's shared address are not locked out by one person's mistakes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_VERBOSE = False

# --- Security (secure by default whenever DEBUG is off) -------------------------------------------
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp 4): only the portal's own scripts, styles, images and
# fonts; no inline script or style anywhere (templates, admin, Swagger UI — tests/core/test_security.py).
# `data:` images are for the icons of the admin and Swagger UI stylesheets. DJANGO_CSP_REPORT_URI, when set,
# makes browsers report violations there.
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
    }
}
if env_str("DJANGO_CSP_REPORT_URI"):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [env_str("DJANGO_CSP_REPORT_URI")]
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies in front of gunicorn that append to X-Forwarded-For (0: none, the header is ignored). The login
# lock-out counts the address the outermost one saw, not the proxy's own (haidian_governance/client_ip.py).
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 1 if env_bool("DJANGO_BEHIND_PROXY", False) else 0)
AXES_CLIENT_IP_CALLABLE = "haidian_governance.client_ip.client_ip"
SILENCED_SYSTEM_CHECKS = env_list("DJANGO_SILENCED_CHECKS", [])

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))  # outside the web root, never served raw
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("DJANGO_STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- REST framework -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.TokenWriteAccess"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.SyncCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.ApiAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["core.api.renderers.FastJSONRenderer"],  # DRF's JSON, written by orjson
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.TokenRateThrottle",
        "core.api.throttling.ScopedWindowRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("API_THROTTLE_RATE", "6000/hour"),
        "token_obtain": env_str("API_TOKEN_OBTAIN_RATE", "30/hour"),
    },
    "EXCEPTION_HANDLER": "core.api.exceptions.api_exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "海淀区中小学校领导体制治理台账 API",
    "DESCRIPTION": "学校、书记校长搭档、四沟通、会议、三重一大决策、督办任务与合规提示。"
    "认证：`Authorization: Token <令牌>`（POST /api/v1/auth/token/ 获取）。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # core.api.schema.add_etag_links: links from a record's ETag to the writes that need it as If-Match.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.api.schema.add_etag_links"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set shared by several fields or components (otherwise drf-spectacular warns).
    "ENUM_NAME_OVERRIDES": {
        "MeetingBodyEnum": "schools.choices.MeetingBody",
        "MatterCategoryEnum": "meetings.choices.MatterCategory",
        "DecisionStatusEnum": "decisions.choices.DecisionStatus",
        "DecisionOutcomeEnum": "decisions.choices.Outcome",
        "TaskStatusEnum": "decisions.choices.TaskStatus",
    },
}

# --- Logging --------------------------------------------------------------------------------------
# JSON lines (python-json-logger) by default in production, text in development; DJANGO_LOG_FORMAT=json|plain
# overrides. Each line of a request carries its id (django-guid, header X-Request-ID; logging_config.py).
LOG_FORMAT = env_str("DJANGO_LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = build_logging(
    fmt=LOG_FORMAT, level=env_str("LOG_LEVEL", "INFO"), weasyprint_level=env_str("WEASYPRINT_LOG_LEVEL", "WARNING")
)
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,  # a client's id is kept only when it is a UUID; otherwise a new one is made
    "UUID_FORMAT": "string",
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": False,
}

PORTAL_TITLE = "海淀区中小学校领导体制治理台账"
