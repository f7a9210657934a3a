"""Settings for the AI-infrastructure procurement app.

Every value comes from the environment with a safe local default: a SQLite file, DEBUG off.
Production (HTTPS on, the default when DEBUG is off) refuses to start without a real SECRET_KEY.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# HTTPS: secure cookies, HSTS and the redirect to https. On by default whenever DEBUG is off.
HTTPS = env_bool("HTTPS", not DEBUG)

DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set SECRET_KEY to a long random value, or DEBUG=1 for local trial only."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if DEBUG:
    ALLOWED_HOSTS += ["testserver"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    # The API docs page serves Swagger UI from ninja's static files (not a CDN) when listed here.
    "ninja",
    "axes",
    # Sign-in (procurement/accounts.py): local accounts, OIDC single sign-on, two-factor, passkeys.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    # The task queue's table, and its admin page of pending and failed work.
    "django_tasks_db",
    "procurement",
    "vendors",
    "resilience",
    "capacity",
    "costs",
    "scorecards",
    "questionnaires",
    "dora",
]
# This app as an OpenID provider: only for the tests (and trying SSO locally), never in production.
IDP_OIDC_ENABLED = env_bool("IDP_OIDC_ENABLED", False)
if IDP_OIDC_ENABLED:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("procurement"), "allauth.idp.oidc")
    IDP_OIDC_PRIVATE_KEY = env("IDP_OIDC_PRIVATE_KEY")
# The tests install the provider app (its tables) and serve its URLs only in the SSO tests.
IDP_OIDC_SERVE_URLS = env_bool("IDP_OIDC_SERVE_URLS", IDP_OIDC_ENABLED)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "procurement.middleware.request_context",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Logs refused requests (401/403/404) with user, method and path.
    "procurement.middleware.denied_requests",
    "procurement.middleware.session_lifetime",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # People who must have a second factor (TWO_FACTOR_REQUIRED) are sent to enrol after sign-in.
    "procurement.middleware.second_factor_enrolment",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes last: it turns a locked-out sign-in into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "procurement.urls"
WSGI_APPLICATION = "procurement.wsgi.application"

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
                "procurement.context_processors.navigation",
            ],
            "builtins": ["django.templatetags.static", "procurement.templatetags.procurement_tags"],
        },
    }
]

FORM_RENDERER = "procurement.forms.FormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two audit appends cannot
    # both read the same chain head (the SQLite half of "no forked chain").
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Axes first: every password check (allauth's sign-in and re-authentication, the admin,
    # signing) goes through authenticate(), so it is counted and refused while locked.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# Sign-in through django-allauth (procurement/accounts.py holds the adapters and the URL list).
ACCOUNT_ADAPTER = "procurement.accounts.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "procurement.accounts.SocialAccountAdapter"
MFA_ADAPTER = "procurement.accounts.MFAAdapter"
ACCOUNT_FORMS = {
    "login": "procurement.accounts_forms.LoginForm",
    "reauthenticate": "procurement.accounts_forms.ReauthenticateForm",
}
MFA_FORMS = {
    "authenticate": "procurement.accounts_forms.AuthenticateForm",
    "reauthenticate": "procurement.accounts_forms.MFAReauthenticateForm",
    "activate_totp": "procurement.accounts_forms.ActivateTOTPForm",
    "add_webauthn": "procurement.accounts_forms.AddWebAuthnForm",
    "edit_webauthn": "procurement.accounts_forms.EditWebAuthnForm",
}
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = False
ACCOUNT_SESSION_REMEMBER = False  # the idle and absolute timeouts below decide
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("REAUTHENTICATION_SECONDS", 300)
ACCOUNT_RATE_LIMITS = {
    # Axes owns the lockout of wrong passwords (per username and address, audited, our page).
    "login_failed": False,
}
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # an IdP's email never takes over a local account
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_QUERY_EMAIL = False

# OIDC single sign-on: on when OIDC_ISSUER_URL and OIDC_CLIENT_ID are set.
OIDC_ISSUER_URL = env("OIDC_ISSUER_URL").rstrip("/")
OIDC_CLIENT_ID = env("OIDC_CLIENT_ID")
OIDC_PROVIDER_ID = env("OIDC_PROVIDER_ID", "sso")
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [], "OAUTH_PKCE_ENABLED": True}}
if OIDC_ISSUER_URL and OIDC_CLIENT_ID:
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"].append(
        {
            "provider_id": OIDC_PROVIDER_ID,
            "name": env("OIDC_DISPLAY_NAME", "single sign-on"),
            "client_id": OIDC_CLIENT_ID,
            "secret": env("OIDC_CLIENT_SECRET"),
            "settings": {
                "server_url": OIDC_ISSUER_URL,
                "token_auth_method": env("OIDC_TOKEN_AUTH_METHOD", "client_secret_basic"),
                "scope": env_list("OIDC_SCOPES", "openid,profile,email"),
                "oauth_pkce_enabled": True,
            },
        }
    )
# The IdP claim that lists a person's groups, and which IdP group gives which of our roles:
# "idp-group=role,other-group=role" (roles: procurement, legal, finance, security, platform,
# auditor). Roles are set from the IdP on every SSO sign-in; an IdP group not listed gives nothing.
OIDC_GROUPS_CLAIM = env("OIDC_GROUPS_CLAIM", "groups")
OIDC_GROUP_ROLES = env("OIDC_GROUP_ROLES")
# A first SSO sign-in creates the account when the IdP's groups map to at least one role.
OIDC_CREATE_USERS = env_bool("OIDC_CREATE_USERS", True)

# Two-factor authentication (allauth.mfa): authenticator apps (TOTP) with recovery codes, and
# passkeys (WebAuthn). TWO_FACTOR_REQUIRED: "none", "signers" (legal, finance, security, platform) or
# "all"; the admin's Sign-in policy (procurement.SignInPolicy), when set, takes precedence.
TWO_FACTOR_REQUIRED = env("TWO_FACTOR_REQUIRED", "none")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", "Compute Register")
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_REAUTHENTICATION_REQUIRED = True

# Sessions: an idle timeout and an absolute lifetime from sign-in. The idle timeout is the cookie
# age, pushed back by procurement.middleware.session_lifetime at most once a minute: saving the
# session on every request would make every page view a database write.
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
SESSION_REFRESH_SECONDS = 60
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Failed sign-ins: lock the username + client address pair, never the address alone, and
# let the lock cool off so an attacker cannot keep a real user out for good.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts during a lock do not extend it: the lock ends on time however often someone retries.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Proxies in front of the app that append to X-Forwarded-For (0: clients connect directly).
# procurement.middleware.client_ip reads the client's address from it, for the audit trail and
# for axes alike: without it every sign-in seems to come from the proxy, and the username +
# address lock becomes a username lock anyone can trigger.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is the number of proxies in front of the app: 0 or more.")
AXES_CLIENT_IP_CALLABLE = "procurement.middleware.client_ip"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Strict policy: our own files only, no inline script or style anywhere (htmx is configured
# not to inject its indicator styles; SVG charts use presentation attributes).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading is a promise to browsers that is slow to take back (every subdomain, HTTPS
    # only, for months): opt in once the whole domain is ready, never by default.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]  # "not preloaded": a deliberate default
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are bound to this exact host, https only, path /.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded documents live outside the web root and are served only through views that check access.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "uploads")))
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_MB", 20) * 1024 * 1024
# Vendor questionnaires: a portal link stays valid this many days after the due date, and the
# portal answers at most this many requests a minute per link and per client address.
QUESTIONNAIRE_LINK_DAYS_AFTER_DUE = env_int("QUESTIONNAIRE_LINK_DAYS_AFTER_DUE", 30)
PORTAL_RATE_PER_TOKEN = env_int("PORTAL_RATE_PER_TOKEN", 30)
PORTAL_RATE_PER_ADDRESS = env_int("PORTAL_RATE_PER_ADDRESS", 120)
# A decided evaluation is due for re-evaluation this many months after its decision.
REEVALUATION_MONTHS = env_int("REEVALUATION_MONTHS", 12)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A workload's next failover rehearsal is due this many days after its last one.
REHEARSAL_INTERVAL_DAYS = env_int("REHEARSAL_INTERVAL_DAYS", 90)
# The capacity plan's lead time when no vendor has stated one (days from an order to usable capacity).
CAPACITY_DEFAULT_LEAD_TIME_DAYS = env_int("CAPACITY_DEFAULT_LEAD_TIME_DAYS", 90)
# A new offer's probability (percent) of losing its vendor within a comparison's horizon, priced
# as concentration risk in the total cost of execution.
TCE_DEFAULT_LOSS_PROBABILITY_PERCENT = env_int("TCE_DEFAULT_LOSS_PROBABILITY_PERCENT", 5)
# A sign-off waiting longer than this many working days (Mon-Fri) since its round opened is
# escalated by `send_reminders` to every other member of the role who may sign it.
SIGNOFF_ESCALATION_WORKING_DAYS = env_int("SIGNOFF_ESCALATION_WORKING_DAYS", 3)
# Paper of issued decision records: "a4" or "letter" (previews also take ?size=letter).
DECISION_RECORD_PAGE_SIZE = env("DECISION_RECORD_PAGE_SIZE", "a4")
# Draft previews rendered at once per process (each takes a second or more); beyond it, a 503.
DECISION_RECORD_MAX_CONCURRENT_RENDERS = env_int("DECISION_RECORD_MAX_CONCURRENT_RENDERS", 2)
# Attempts at rendering a decision record (retried with backoff) before it waits for a person's retry.
DECISION_RECORD_MAX_ATTEMPTS = env_int("DECISION_RECORD_MAX_ATTEMPTS", 5)

# Background work (decision records, mail) runs on Django's tasks framework. The default backend
# keeps the queue in our own database, worked by `manage.py run_worker`: no broker to run. Another
# backend (e.g. "django_tasks_rq.RQBackend" on Redis) is a matter of TASKS_BACKEND and its options.
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# A task still "running" this long after it started belongs to a worker that died (or hangs):
# run_worker requeues it when it starts. Longer than any task takes (a record renders in seconds).
TASKS_STALE_AFTER_SECONDS = env_int("TASKS_STALE_AFTER_SECONDS", 10 * 60)
# First retry of a failed task after this many seconds, doubling on each further failure.
TASKS_RETRY_SECONDS = env_int("TASKS_RETRY_SECONDS", 60)
# Attempts at sending one mail before it is marked failed (visible in the admin).
MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 6)
# The worker sends the day's reminders at this local time (off: run send_reminders from cron).
REMINDERS_IN_WORKER = env_bool("REMINDERS_IN_WORKER", True)
REMINDERS_AT = env("REMINDERS_AT", "06:15")

if env("S3_BUCKET"):
    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "region_name": env("S3_REGION") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    }
# Production serves collected, hashed files; local runs and tests serve straight from the
# source folders (the manifest storage fails without collectstatic).
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = not STATIC_MANIFEST


def _static_file_headers(headers, path, url):
    """WhiteNoise answers before the CSP and frame middleware: give static files the same guard
    (an SVG or HTML file opened directly must not run script or be framed)."""
    headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
    )
    headers["X-Frame-Options"] = "DENY"


WHITENOISE_ADD_HEADERS_FUNCTION = _static_file_headers
STORAGES = {
    "default": default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache"
        if env_bool("DB_CACHE", False)
        else "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "procurement_cache",
    }
}

# Mail goes to the console unless EMAIL_HOST names an SMTP server (Django 6.1 MAILERS).
if env("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env("EMAIL_HOST"),
                "port": env_int("EMAIL_PORT", 587),
                "username": env("EMAIL_HOST_USER"),
                "password": env("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "procurement@localhost")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

# Audit trail: with AUDIT_HMAC_KEY set, event hashes become HMAC-SHA256 under that key.
AUDIT_HMAC_KEY = env("AUDIT_HMAC_KEY")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A questionnaire portal link's token never reaches a log line.
    "filters": {"portal_tokens": {"()": "procurement.middleware.RedactPortalTokens"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stdout",
            "filters": ["portal_tokens"],
        }
    },
    "root": {"handlers": ["stdout"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint.progress": {"level": "WARNING"}},
}
