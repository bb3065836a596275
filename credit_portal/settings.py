"""Settings for credit_portal, read from the environment (one file for every deployment).

Environment variables (see README "Configuration"):
    DEBUG, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, CREDIT_POLICY, SESSION_IDLE_MINUTES,
    CSRF_TRUSTED_ORIGINS, SECURE_SSL_REDIRECT, AXES_FAILURE_LIMIT, QUERY_LOG_SEAL_GRACE_SECONDS,
    QUERY_LOG_REPEAT_WINDOW_SECONDS, QUERY_LOG_GROUP_COMMIT,
    HOT_PATH_CACHE_SECONDS, HOT_PATH_PREPARED_STATEMENTS, REPLICA_DATABASE_URL, LIST_EXACT_COUNT_LIMIT, RECOMPUTE_ON_COMMIT, UPLOAD_MAX_* and UPLOAD_XLSX_MAX_* (upload limits), QUERY_LOG_ANCHOR_PATH,
    QUERY_LOG_ANCHOR_KEY, EMAIL_* and DEFAULT_FROM_EMAIL (mail), PORTAL_URL (links in mails),
    OBJECTION_ONLINE_* and OBJECTION_PUBLIC_* (public objection pages' rate limits), PUBLIC_PORTAL_*
    (the public credit portal's limits and page cache), CACHE_URL (a shared default cache), CELERY_BROKER_URL,
    CELERY_TASK_ALWAYS_EAGER, CELERY_VISIBILITY_TIMEOUT, BATCH_PROGRESS_CACHE_URL and BATCH_STAGE_KEEP_DAYS
    (background jobs).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# Outside DEBUG the key must come from the environment. Left empty, commands that need no key
# (makemigrations, collectstatic) still run; anything that signs (sessions, CSRF, password resets)
# raises ImproperlyConfigured, and `manage.py check --deploy` reports it (apps.core.checks).
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-development-key-only-for-debug-mode-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# The city whose regulation the platform runs under: a preset in fixtures/policies/.
CREDIT_POLICY = os.environ.get("CREDIT_POLICY", "nanjing")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "simple_history",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "apps.core.axes_config.AxesConfig",  # django-axes, named in Chinese
    "csp",
    "apps.core",
    "apps.catalog",
    "apps.subjects",
    "apps.sanctions",
    "apps.objections",
    "apps.repair",
    "apps.service_agencies",
    # `seed_demo` and the demo data it builds; above every app, imported by none.
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # An anonymous visitor's kept public page is served here, before the session and the
    # layers below (apps.subjects.portal_middleware); the rate limit and the query log still run.
    # It reads no body, and a page is kept only as the whole stack answered it: a request the
    # next two layers refuse (too large, a NUL in a parameter) never finds one.
    "apps.subjects.portal_middleware.PublicPageMiddleware",
    # Before anything reads the body (RejectNul and CSRF parse the form): an oversized request
    # is refused unread.
    "apps.core.http.RequestSizeLimitMiddleware",
    "apps.core.http.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # A connected system's check call (GET /api/v1/checks/ with a token, no session cookie) is
    # answered here, before the session, CSRF, authentication, messages, history and lockout
    # layers it has no use for (apps.sanctions.api.PlainCheckMiddleware).
    "apps.sanctions.api.PlainCheckMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a signed-in user unless its view says `login_not_required` (the public
    # pages, the login page, the admin's own login flow and the API, which authenticates tokens
    # itself and stays deny-by-default through DRF's permission classes).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must be last: it reads the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "credit_portal.urls"
WSGI_APPLICATION = "credit_portal.wsgi.application"
ASGI_APPLICATION = "credit_portal.asgi.application"

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
                "apps.core.context_processors.portal",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise (PostgreSQL in production).
(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'credit_portal.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Concurrent writers (threads of the dev server or gunicorn) wait for the lock instead of failing:
    # an IMMEDIATE transaction takes the write lock at BEGIN, so SQLite's busy timeout applies; a
    # DEFERRED one that upgrades from read to write gets "database is locked" at once. WAL lets readers
    # go on beside the writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
# A read replica (issue 16): the check API's answer, the subject search and the credit file's
# records read from it, every write and every other read go to the primary
# (apps.core.db.ReplicaRouter). Off unless REPLICA_DATABASE_URL names it.
REPLICA_DATABASE_URL = os.environ.get("REPLICA_DATABASE_URL", "")
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(
        REPLICA_DATABASE_URL,
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    DATABASE_ROUTERS = ["apps.core.db.ReplicaRouter"]

# The check API's statements are prepared once per connection (apps.core.db.preparing_cursor);
# every other statement keeps Django's client-side binding, which psycopg never prepares.
# HOT_PATH_PREPARED_STATEMENTS=0 behind a pooler that cannot hold prepared statements.
HOT_PATH_PREPARED_STATEMENTS = env_bool("HOT_PATH_PREPARED_STATEMENTS", True)
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql" and HOT_PATH_PREPARED_STATEMENTS:
        _database.setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]

# A level-3 (等保三级) review expects long, mixed passwords that do not echo the account: at least
# 12 characters, three kinds of character, and no more than half alike to the username or e-mail
# (Django's default 0.7 let "Clerk-2026" through for the user "clerk"). The messages are Chinese
# (Django's own catalog and ours).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "email"), "max_similarity": 0.5},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "apps.core.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"

# Idle sessions expire (30 minutes by default): every request pushes the expiry forward.
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Account lockout (django-axes), by username and by address, each on its own: a username is
# locked after repeated failures from anywhere (guessing one account from many addresses), an
# address after repeated failures whatever the usernames (trying one password on many accounts).
# Behind a proxy the address is the client's own (apps.core.http.client_ip, TRUST_X_FORWARDED_FOR).
# Where many agency staff share one NAT address, AXES_LOCKOUT_PARAMETERS=username,username+ip_address
# keeps the username lock and locks only the pair instead of the whole address.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [
    item.split("+") if "+" in item else item for item in env_list("AXES_LOCKOUT_PARAMETERS", "username,ip_address")
]
AXES_CLIENT_IP_CALLABLE = "apps.core.http.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Logins and failures are recorded in the append-only core.AuthEvent table instead.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# Outside DEBUG: secure cookies, HSTS, HTTPS redirect (behind a TLS-terminating proxy).
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy (django-csp): scripts, fonts and images from the portal itself only, no
# plug-ins, no framing, forms post only here. The portal has no inline script (the API docs use
# drf-spectacular's split view, whose script is a file); inline styles of the printable documents
# and a few style attributes are allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True

# The interface is Chinese whatever the browser asks for; LANGUAGE_CODE=en runs it in English.
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))

# django-simple-history: one composite (history_date, id) index instead of two.
SIMPLE_HISTORY_DATE_INDEX = "composite"
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# No "revert" from the history pages: an old version is restored by a normal edit with a reason.
SIMPLE_HISTORY_REVERT_DISABLED = True

# django-guardian: direct foreign-key permission models only; no anonymous user row.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "apps.core.api.authentication.CachedTokenAuthentication",
    ],
    # Deny by default: an endpoint must be authenticated and hold the model permission for
    # the action, including "view" for reads.
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "apps.core.api.permissions.ModelPermissions",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.DefaultCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["apps.core.api.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "apps.core.api.schema.AutoSchema",  # documents the 4xx answers too
    "DEFAULT_VERSIONING_CLASS": None,
    "EXCEPTION_HANDLER": "apps.core.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "credit_portal API",
    "DESCRIPTION": "公共信用信息平台 — API for government systems (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Separate request and response components: a request says which fields are required and
    # which may not be blank (the reason), a response which are read-only.
    "COMPONENT_SPLIT_REQUEST": True,
    # Other systems send JSON; the form encodings DRF also parses (for its browsable pages) are
    # not part of the documented interface (their empty fields mean "not given", unlike JSON's).
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # Swagger UI served from our own static files (the platform runs without internet access).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ListStatusEnum": "apps.catalog.choices.ListStatus",
        "QueryFlagStatusEnum": "apps.core.models.QueryFlagStatus",
        "ObjectionOutcomeEnum": "apps.objections.choices.Outcome",
        "RevocationKindEnum": "apps.objections.choices.RevocationKind",
        "AgencyObjectionOutcomeEnum": "apps.objections.choices.AgencyOutcome",
    },
}

# The query-log chain is sealed by a background job every few seconds, never in a request
# (`apps.core.querylog.seal_pending`: the job queue's beat, or `manage.py seal_query_log --loop 5`).
# The sealer's watermark moves only past rows older than this: a lookup's transaction that has
# not committed by then is not expected (the verifier's seal reads every row anyway).
QUERY_LOG_SEAL_GRACE_SECONDS = env_int("QUERY_LOG_SEAL_GRACE_SECONDS", 60)
# One lookup, one query-log row: opening a subject that the user's own search listed, or opening it
# again, in the same mode for the same purpose within this many seconds writes no second row
# (`apps.core.querylog.covering_lookup`); 0 logs every opening.
QUERY_LOG_REPEAT_WINDOW_SECONDS = env_int("QUERY_LOG_REPEAT_WINDOW_SECONDS", 600)
# PostgreSQL: concurrent public lookups of one server process share one INSERT and one commit,
# each row still committed before its lookup returns (apps.core.querylog.GroupInsert); 0: one
# INSERT per row.
QUERY_LOG_GROUP_COMMIT = env_bool("QUERY_LOG_GROUP_COMMIT", True)
# The API's token, its user with the role's permissions and system account, and the active policy
# are kept this many seconds in each process (apps.core.process_cache); a change made through the
# app clears them in the process that made it at once, in the others after at most this long.
HOT_PATH_CACHE_SECONDS = env_int("HOT_PATH_CACHE_SECONDS", 30)
# Admin lists the PostgreSQL planner estimates above this many rows show the estimate instead of
# a COUNT(*) (apps.core.admin_base.EstimatedCountPaginator); below it the count is exact.
LIST_EXACT_COUNT_LIMIT = env_int("LIST_EXACT_COUNT_LIMIT", 10_000)
# Each checkpoint of the chain is also appended to this file, one JSON line with an HMAC, so that
# a rewrite and re-seal by the database owner is detected (apps.core.anchors). The key must not
# be known to the database: outside DEBUG it comes from the environment, and without it nothing
# is sealed and `check --deploy` fails (credit_portal.E002). In DEBUG a fixed development key.
QUERY_LOG_ANCHOR_PATH = Path(os.environ.get("QUERY_LOG_ANCHOR_PATH", BASE_DIR / "var" / "query_log_anchors.jsonl"))
QUERY_LOG_ANCHOR_KEY = os.environ.get("QUERY_LOG_ANCHOR_KEY", "")
if not QUERY_LOG_ANCHOR_KEY and DEBUG:
    QUERY_LOG_ANCHOR_KEY = "insecure-development-anchor-key-only-for-debug-mode"

# A change of the active policy or of the holiday overrides recomputes open deadlines and
# disclosure ends right after it commits (apps.core.recompute). Off: only `recompute_deadlines`
# does it (cron or a worker), for databases where that is too long for a web request.
RECOMPUTE_ON_COMMIT = env_bool("RECOMPUTE_ON_COMMIT", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Behind a reverse proxy that sets X-Forwarded-For, the client address is its first hop.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)


# Upload limits (apps.core.uploads): every upload path, web and API, is held to these before
# anything is parsed or stored. A request body over UPLOAD_MAX_BYTES (plus room for the form
# fields) is refused before it is read; set the proxy's body limit (nginx client_max_body_size)
# to the same figure.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
UPLOAD_MAX_ROWS = env_int("UPLOAD_MAX_ROWS", 20_000)
UPLOAD_MAX_LINE_CHARS = env_int("UPLOAD_MAX_LINE_CHARS", 256 * 1024)
UPLOAD_MAX_CELL_CHARS = env_int("UPLOAD_MAX_CELL_CHARS", 32_767)  # what one Excel cell holds
UPLOAD_MAX_COLUMNS = env_int("UPLOAD_MAX_COLUMNS", 200)
UPLOAD_XLSX_MAX_UNCOMPRESSED_BYTES = env_int("UPLOAD_XLSX_MAX_UNCOMPRESSED_BYTES", 50 * 1024 * 1024)
UPLOAD_XLSX_MAX_RATIO = env_int("UPLOAD_XLSX_MAX_RATIO", 100)
UPLOAD_MAX_ROW_ERRORS = env_int("UPLOAD_MAX_ROW_ERRORS", 1_000)

# E-mail (the daily overdue-deadline notices, `deadlines_daily`): Django's SMTP settings from the
# environment. In DEBUG without an EMAIL_HOST the messages are printed on the console.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG and not EMAIL_HOST
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = EMAIL_HOST or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "credit-portal@localhost")
# The portal's address as users reach it (https://credit.example.gov.cn), for links in e-mails;
# empty: the links are paths only.
PORTAL_URL = os.environ.get("PORTAL_URL", "")
# The public objection pages (apps.objections.intake): online filings per identifier per local
# day (counted over the objections filed), and per client address per hour filings and lookups
# (identity checks and status lookups, counted in the cache: with several server processes,
# configure a shared cache in CACHES so that they count together).
OBJECTION_ONLINE_PER_IDENTIFIER_PER_DAY = env_int("OBJECTION_ONLINE_PER_IDENTIFIER_PER_DAY", 3)
OBJECTION_ONLINE_PER_ADDRESS_PER_HOUR = env_int("OBJECTION_ONLINE_PER_ADDRESS_PER_HOUR", 10)
OBJECTION_PUBLIC_LOOKUPS_PER_ADDRESS_PER_HOUR = env_int("OBJECTION_PUBLIC_LOOKUPS_PER_ADDRESS_PER_HOUR", 30)
# Comments on a catalog or list in public consultation sent from one address per hour (/public/catalog/).
CATALOG_PUBLIC_COMMENTS_PER_ADDRESS_PER_HOUR = env_int("CATALOG_PUBLIC_COMMENTS_PER_ADDRESS_PER_HOUR", 5)
# The public credit portal (/public/search/, apps.subjects.portal): searches and subject pages per
# client address per minute, feed pages and exports per address per minute (counted in the cache),
# the organisations a search lists, the rows of a feed page, the pages a feed goes back, and the
# rows of one CSV export.
PUBLIC_PORTAL_LOOKUPS_PER_ADDRESS_PER_MINUTE = env_int("PUBLIC_PORTAL_LOOKUPS_PER_ADDRESS_PER_MINUTE", 20)
PUBLIC_PORTAL_FEEDS_PER_ADDRESS_PER_MINUTE = env_int("PUBLIC_PORTAL_FEEDS_PER_ADDRESS_PER_MINUTE", 60)
PUBLIC_PORTAL_SEARCH_RESULTS = env_int("PUBLIC_PORTAL_SEARCH_RESULTS", 20)
PUBLIC_PORTAL_PAGE_SIZE = env_int("PUBLIC_PORTAL_PAGE_SIZE", 20)
PUBLIC_PORTAL_MAX_PAGES = env_int("PUBLIC_PORTAL_MAX_PAGES", 50)
PUBLIC_PORTAL_EXPORT_ROWS = env_int("PUBLIC_PORTAL_EXPORT_ROWS", 2000)
# Seconds the portal keeps a rendered organisation page or feed page (apps.subjects.portal_cache:
# replaced at once when what it shows changes); 0: no page cache.
PUBLIC_PORTAL_CACHE_SECONDS = env_int("PUBLIC_PORTAL_CACHE_SECONDS", 300)
# Searches one address makes within an hour before each further batch waits for an arithmetic
# question answered (the cheap challenge; 0: never).
PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES = env_int("PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES", 30)
# Requests for disclosure (依申请公开) one address may file per hour.
PUBLIC_PORTAL_REQUESTS_PER_ADDRESS_PER_HOUR = env_int("PUBLIC_PORTAL_REQUESTS_PER_ADDRESS_PER_HOUR", 5)

# Background jobs (credit_portal/celery.py): Celery with Redis in production
# (CELERY_BROKER_URL=redis://127.0.0.1:6379/0). Without a broker the in-memory transport and one
# worker thread in the process that sends the first task (`make run`: the dev server). Tasks are
# acknowledged after they ran (a worker killed mid-way leaves the message to be run again) and
# each worker takes one at a time; the batch row, not a result backend, tells how a job went.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "") or "memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# The dev server (`make run`) with the in-memory broker runs the daily jobs itself: once at start,
# then on the beat schedule below (credit_portal.celery.embedded_jobs_start). Off: EMBEDDED_JOBS=0.
EMBEDDED_JOBS = env_bool("EMBEDDED_JOBS", True)
EMBEDDED_JOBS_SCHEDULE = BASE_DIR / "var" / "celerybeat-schedule"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis gives an unacknowledged message to another worker after this many seconds: longer than
# the longest job (a million-row submit), or the job would run twice (harmless, but wasted).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3 * 3600)}
# Live progress of batch jobs (rows read/checked/written) is kept in this cache, shared by the
# web processes and the workers: Redis when the broker is Redis (BATCH_PROGRESS_CACHE_URL to use
# another), else the process's memory (the embedded worker runs in the web process).
BATCH_PROGRESS_CACHE_URL = os.environ.get(
    "BATCH_PROGRESS_CACHE_URL", CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else ""
)
# A batch checked but not submitted keeps its checked rows (PostgreSQL's staging table) this many
# days; then `batches_daily` drops them and a later submit checks the file again. The newest
# submitted batch of an item and provider keeps them as long, for the next file's unchanged lines.
BATCH_STAGE_KEEP_DAYS = env_int("BATCH_STAGE_KEEP_DAYS", 7)
# The default cache holds the public pages' rate-limit counters and the portal's page cache: the
# process's memory unless CACHE_URL names a shared one (redis://…), which several server processes
# need to count together and to see each other's invalidations (apps.subjects.portal_cache).
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "batch_progress": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": BATCH_PROGRESS_CACHE_URL}
    if BATCH_PROGRESS_CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "batch_progress"},
}
# One line per finished job ("Task … succeeded") is noise next to the batch's own record of it.
LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}
# Likewise beat's "Sending due task" and the worker's "Task … received" (sealing runs every 5 s).
LOGGING["loggers"]["celery.beat"] = {"level": "WARNING"}
LOGGING["loggers"]["celery.worker.strategy"] = {"level": "WARNING"}
# Celery beat (`celery -A credit_portal beat`) runs the daily jobs: the same management commands
# that cron may run instead (credit_portal.celery.DAILY_COMMANDS). Times are Asia/Shanghai.
CELERY_BEAT_SCHEDULE = {
    "expire_records": {
        "task": "credit_portal.daily_job",
        "schedule": crontab(minute=10, hour=0),
        "args": ["expire_records"],
    },
    "sanctions_daily": {
        "task": "credit_portal.daily_job",
        "schedule": crontab(minute=20, hour=0),
        "args": ["sanctions_daily"],
    },
    # Sealing is a background job every few seconds, never part of a request (apps.core.querylog).
    "seal_query_log": {
        "task": "credit_portal.daily_job",
        "schedule": 5.0,
        "args": ["seal_query_log"],
    },
    "repair_daily": {
        "task": "credit_portal.daily_job",
        "schedule": crontab(minute=40, hour=0),
        "args": ["repair_daily"],
    },
    "batches_daily": {
        "task": "credit_portal.daily_job",
        "schedule": crontab(minute=55, hour=0),
        "args": ["batches_daily"],
    },
    "batch_queries_daily": {
        "task": "credit_portal.daily_job",
        "schedule": crontab(minute=50, hour=0),
        "args": ["batch_queries_daily"],
    },
    "verify_query_log": {
        "task": "credit_portal.daily_job",
        "schedule": crontab(minute=30, hour=2),
        "args": ["verify_query_log"],
    },
    "deadlines_daily": {
        "task": "credit_portal.daily_job",
        "schedule": crontab(minute=0, hour=7),
        "args": ["deadlines_daily"],
    },
}
