"""Configuration classes, read from ``FACTCHECK_*`` environment variables.

Pick one with ``FACTCHECK_CONFIG`` (``development``, ``production``, ``testing``);
``create_app`` defaults to development so that ``flask run`` just works.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

#: Secret keys that ship in this repository or in examples; production refuses them.
KNOWN_WEAK_SECRET_KEYS = frozenset(
    {"", "dev", "development", "change-me", "secret", "factcheck-dev"}
)


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"FACTCHECK_{name}", default)


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value else default


class Config:
    """Settings shared by every environment."""

    #: Unset in development: ``create_app`` then generates one and keeps it in the
    #: instance folder (``instance/secret_key``), so no well-known key signs sessions.
    SECRET_KEY = _env("SECRET_KEY")
    #: The instance folder (SQLite database, generated secret key); None: ``instance/``.
    INSTANCE_PATH: str | None = None
    DATABASE_URL = _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'factcheck.sqlite'}")
    #: Seconds a SQLite connection waits for a lock before giving up.
    SQLITE_BUSY_TIMEOUT_SECONDS = _env_int("SQLITE_BUSY_TIMEOUT", 30)

    #: Uploads larger than this are refused with 413 before they reach a view.
    MAX_CONTENT_LENGTH = _env_int("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
    #: Text fields (pasted bodies) may hold this many bytes; Werkzeug's default is 500 kB.
    MAX_FORM_MEMORY_SIZE = _env_int("MAX_FORM_BYTES", 8 * 1024 * 1024)
    #: The longest article body accepted, in characters (a long feature is ~100k).
    MAX_ARTICLE_CHARS = _env_int("MAX_ARTICLE_CHARS", 1_000_000)

    ORGANISATION_NAME = _env("ORGANISATION_NAME", "Factcheck newsroom")
    ORGANISATION_URL = _env("ORGANISATION_URL", "https://factcheck.example.org")
    #: Where readers find the fact-checks (ClaimReview ``url``); defaults to this server.
    PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL")
    #: Public verdict pages (``/published/``) until an admin switches them on or off in
    #: the admin pages, whose choice then rules; off by default.
    PUBLISHING = _env_bool("PUBLISHING", False)
    #: Whether public pages name the annotator and the approving reviewer (ditto).
    PUBLISHING_SHOW_NAMES = _env_bool("PUBLISHING_SHOW_NAMES", False)

    SESSION_COOKIE_NAME = "factcheck_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_NAME = "factcheck_remember"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    #: How long a login session lasts without "remember me".
    SESSION_LIFETIME = timedelta(hours=_env_int("SESSION_HOURS", 12))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=_env_int("SESSION_HOURS", 12))

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    #: Strict HSTS only where TLS is known to terminate in front of the app.
    SEND_HSTS = False
    REQUIRE_STRONG_SECRET_KEY = False

    DEMO_PASSWORD = _env("DEMO_PASSWORD", "factcheck-demo")
    #: The newsroom's language for `flask demo`: "es" names the verdict scale in Spanish.
    DEMO_LANGUAGE = _env("DEMO_LANGUAGE", "en")
    #: Failed logins per minute, per account and per address, before 429.
    LOGIN_FAILURES_PER_MINUTE = _env_int("LOGIN_FAILURES_PER_MINUTE", 10)
    #: Requests per minute one API token may make.
    API_RATE_LIMIT_PER_MINUTE = _env_int("API_RATE_LIMIT", 600)
    #: Werkzeug hashing method for passwords.
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password

    #: Where each process caches the library's vector index between starts; unset:
    #: ``vector-index/`` in the instance folder. Empty: kept in memory only.
    VECTOR_INDEX_DIR = _env("VECTOR_INDEX_DIR")
    #: Background work (matching, sentence vectors) goes to this Redis through RQ, for
    #: ``flask jobs worker``; unset, it runs in a thread of the web process.
    REDIS_URL = _env("REDIS_URL")
    #: "inline": background work runs in the transaction that asks for it (tests).
    BACKGROUND_WORK = _env("BACKGROUND_WORK", "background")
    #: One JSON line per request on standard error (on by default in production).
    REQUEST_LOG = _env_bool("REQUEST_LOG", False)
    #: Prometheus metrics at /metrics, for the machine itself or the token's holder.
    METRICS = _env_bool("METRICS", False)
    METRICS_TOKEN = _env("METRICS_TOKEN")
    #: Where backups go (``instance/backups`` when unset), and the pg_dump to use.
    BACKUP_DIR = _env("BACKUP_DIR")
    PG_DUMP = _env("PG_DUMP")


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "factcheck-testing-secret-key"  # noqa: S105 - tests only
    DATABASE_URL = _env("TEST_DATABASE_URL", "sqlite:///:memory:")
    #: Hashing cost is irrelevant to what the tests prove; scrypt's default is slow.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a method name
    VECTOR_INDEX_DIR = ""
    BACKGROUND_WORK = "inline"
    REDIS_URL = None


class ProductionConfig(Config):
    #: No fallback: ``create_app`` refuses to start until a real key is configured.
    SECRET_KEY = _env("SECRET_KEY", "")
    REQUIRE_STRONG_SECRET_KEY = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SEND_HSTS = True
    PREFERRED_URL_SCHEME = "https"
    REQUEST_LOG = _env_bool("REQUEST_LOG", True)


def secret_key_problem(key: str | None) -> str | None:
    """Say why ``key`` is unfit for production, or return None when it is fine."""
    if not key or key in KNOWN_WEAK_SECRET_KEYS:
        return "FACTCHECK_SECRET_KEY is not set (or is a well-known example value)"
    if len(key) < 32:
        return "FACTCHECK_SECRET_KEY is shorter than 32 characters"
    return None


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """Return the configuration class named by ``FACTCHECK_CONFIG``."""
    name = (_env("CONFIG", "development") or "development").lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"FACTCHECK_CONFIG={name!r} is not one of {', '.join(sorted(CONFIGS))}"
        ) from None
