"""Configuration classes, read from the environment (see .env.example)."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _bool(name: str, default: bool = False) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env(name: str, default: str | None = None) -> str | None:
    """An environment variable, where an empty value (as in .env.example) counts as unset."""
    value = os.environ.get(name)
    return value if value not in (None, "") else default


INSTANCE_DIR = Path(_env("MOIM_INSTANCE_DIR") or BASE_DIR / "instance")


def _dev_secret_key() -> str:
    """A per-checkout secret kept in instance/, generated on first use.

    Development needs a stable key (sessions survive restarts) but must never
    fall back to a literal string that would be the same on every machine.
    """
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        # Written to a private (0600 from the start) temporary file and linked into
        # place: the key is never readable by other users, not even for a moment, and
        # processes starting together (the reloader) all read the one complete key
        # that won, instead of each writing its own (write_text + chmod did both).
        fd, tmp = tempfile.mkstemp(dir=INSTANCE_DIR, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


class Config:
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'moim.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = int(_env("SQLITE_BUSY_TIMEOUT_MS", "5000"))

    BABEL_DEFAULT_LOCALE = "ko"
    BABEL_DEFAULT_TIMEZONE = "Asia/Seoul"
    LANGUAGES = ("ko", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Uploads (company lists) larger than this get a Korean 413 page.
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024

    # Rate-limit counters (login, guest registration, certificate pages). memory://: each process
    # counts on its own (development: `make run` needs nothing). Several gunicorn workers or
    # instances share them only in Redis: redis://host:6379/0 (the production default is REDIS_URL).
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    # The counters' Redis keys contain this (instances that share a limit use the same prefix).
    RATELIMIT_KEY_PREFIX = _env("RATELIMIT_KEY_PREFIX", "moim-limits")
    # Redis unreachable: each process counts in memory meanwhile (and goes back once it answers)
    # rather than refusing logins with a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Redis, when the deployment has one (redis://host:6379/0): /readyz checks it is reachable.
    REDIS_URL = _env("REDIS_URL", "")
    # "json": one JSON object per log line with the request id (production default); "text" otherwise.
    LOG_FORMAT = _env("LOG_FORMAT", "text")
    # Number of trusted proxies in front (nginx: 1). Their X-Forwarded-For/-Proto are
    # believed, so the login rate limit counts real client addresses. 0: no proxy.
    PROXY_FIX_X_FOR = int(_env("PROXY_FIX_X_FOR", "0"))
    LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "10 per minute")
    # Guest registration and "resend my manage link" (per client address, POSTs only).
    GUEST_RSVP_RATE_LIMIT = _env("GUEST_RSVP_RATE_LIMIT", "20 per minute")
    # The public certificate verification pages (per client address).
    CERTIFICATE_VERIFY_RATE_LIMIT = _env("CERTIFICATE_VERIFY_RATE_LIMIT", "30 per minute")
    # Issuer line of certificates of attendance; unset: "서울 산업 클러스터 <host cluster> 클러스터팀".
    CERTIFICATE_ISSUER = _env("CERTIFICATE_ISSUER")
    # Door check-in opens this long before the start; check-out is recorded until this long after the end.
    CHECKIN_OPENS_MINUTES_BEFORE = int(_env("CHECKIN_OPENS_MINUTES_BEFORE", "60"))
    CHECKOUT_GRACE_MINUTES = int(_env("CHECKOUT_GRACE_MINUTES", "180"))
    # Scans a door device made while its link was valid are still accepted for upload this long
    # after the link expired (docs/CHECKIN_API.md, POST .../scans); a revoked link gets none.
    DOOR_UPLOAD_GRACE_HOURS = int(_env("DOOR_UPLOAD_GRACE_HOURS", "12"))
    # Badge QR codes are HMAC(TICKET_CODE_KEY, salt); unset, a key derived from SECRET_KEY is used.
    # Changing either invalidates every printed badge.
    TICKET_CODE_KEY = _env("TICKET_CODE_KEY")

    # "smtp" sends through MAIL_SERVER; "console" writes mail to the log
    # (development without a mail server: the reset link shows in the terminal).
    MAIL_BACKEND = _env("MAIL_BACKEND", "smtp")
    MAIL_SERVER = _env("MAIL_SERVER", "localhost")
    MAIL_PORT = int(_env("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = _env("MAIL_USERNAME")
    MAIL_PASSWORD = _env("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER", "Moim <noreply@moim.local>")
    MAIL_TIMEOUT = float(_env("MAIL_TIMEOUT", "10"))
    # "file" backend: one .eml file per message in this folder.
    MAIL_FILE_DIR = _env("MAIL_FILE_DIR", str(INSTANCE_DIR / "mail"))
    # How queued mail leaves after a request's commit (see app/mail): "worker" (only
    # `flask mail worker` sends), "background" (a thread in the web process) or "inline".
    MAIL_DELIVERY = _env("MAIL_DELIVERY", "worker")
    # Retry after a failed send: 30 s, 1 min, 2 min, ... at most hourly, never given up.
    MAIL_RETRY_BASE_SECONDS = float(_env("MAIL_RETRY_BASE_SECONDS", "30"))
    MAIL_RETRY_MAX_SECONDS = float(_env("MAIL_RETRY_MAX_SECONDS", "3600"))
    # Idle worker polls the outbox this often (seconds).
    MAIL_WORKER_INTERVAL = float(_env("MAIL_WORKER_INTERVAL", "5"))
    # Domain part of iCalendar UIDs; must never change once events have been published.
    ICAL_UID_DOMAIN = _env("ICAL_UID_DOMAIN", "moim.local")

    # The site's address for links in mail and calendar feeds (https://moim.example.org).
    # Production requires it; development derives it from the port being served.
    PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL")
    # Processes rendering large PDF batches (badges); 0: one per core, at most 2.
    PDF_WORKERS = int(_env("PDF_WORKERS", "0"))

    # Background jobs (app/jobs): badge and certificate batches and large reports.
    # "inprocess": a small thread pool in the web process (development, tests: `make run` needs
    # nothing else); "redis": Dramatiq on REDIS_URL, run by `flask worker` (production default
    # when REDIS_URL is set).
    JOB_BACKEND = _env("JOB_BACKEND", "inprocess")
    # Threads running jobs (in the web process, or in each `flask worker`); a job's PDF chunks
    # are rendered by PDF_WORKERS processes besides.
    JOB_THREADS = int(_env("JOB_THREADS", "1"))
    # A finished job's file can be fetched this long, then the worker's sweep deletes it.
    JOB_FILE_HOURS = float(_env("JOB_FILE_HOURS", "24"))
    # Rows of finished jobs (no file left) are deleted after this many days.
    JOB_KEEP_DAYS = int(_env("JOB_KEEP_DAYS", "30"))
    # A running job refreshes its heartbeat this often; one whose heartbeat is older than
    # JOB_STALE_SECONDS lost its worker and is re-queued.
    JOB_HEARTBEAT_SECONDS = float(_env("JOB_HEARTBEAT_SECONDS", "5"))
    JOB_STALE_SECONDS = float(_env("JOB_STALE_SECONDS", "60"))
    # The worker's sweep (expired files, stale jobs) runs this often.
    JOB_SWEEP_SECONDS = float(_env("JOB_SWEEP_SECONDS", "30"))
    # A job running longer than this is stopped and fails with a Korean message.
    JOB_TIME_LIMIT_SECONDS = int(_env("JOB_TIME_LIMIT_SECONDS", "1800"))
    # `flask worker` stopping (SIGTERM) lets a running job finish this long; after that it is queued again.
    JOB_SHUTDOWN_SECONDS = int(_env("JOB_SHUTDOWN_SECONDS", "30"))
    # Dramatiq's Redis keys start with this (a test run uses its own); its broker re-queues the
    # messages of a worker silent for JOB_BROKER_HEARTBEAT_MS.
    JOB_REDIS_NAMESPACE = _env("JOB_REDIS_NAMESPACE", "moim-jobs")
    JOB_BROKER_HEARTBEAT_MS = int(_env("JOB_BROKER_HEARTBEAT_MS", "60000"))
    # From these sizes on a batch becomes a job with a progress page; smaller ones answer at once.
    JOB_BADGES_FROM = int(_env("JOB_BADGES_FROM", "200"))
    JOB_CERTIFICATES_FROM = int(_env("JOB_CERTIFICATES_FROM", "100"))
    JOB_REPORT_FROM = int(_env("JOB_REPORT_FROM", "300"))
    # A company-list import of this many rows is applied by a job (its file: the result per row).
    JOB_IMPORT_FROM = int(_env("JOB_IMPORT_FROM", "1000"))

    # Staged follow-ups after an event, in days after its end, per event kind (issue 16); a
    # kind with no stages gets no follow-ups. FOLLOWUP_LINK_DAYS: how long a link answers.
    # The 12-month stage goes a fortnight early (351 days): the attendee's address is destroyed
    # at RETENTION_DAYS (365), and the mail and its reminder a week later must reach them first.
    FOLLOWUP_STAGES_DAYS = {
        "networking": (14, 182, 351),
        "forum": (14, 182, 351),
        "research": (14, 182, 351),
        "council": (),
    }
    # PIPA: personal data is destroyed this many days after the event ends (the consent text
    # says one year); `flask privacy purge` and the mail worker's daily run apply it.
    RETENTION_DAYS = int(_env("RETENTION_DAYS", "365"))
    FOLLOWUP_LINK_DAYS = int(_env("FOLLOWUP_LINK_DAYS", "45"))
    FOLLOWUP_REMINDER_DAYS = int(_env("FOLLOWUP_REMINDER_DAYS", "7"))

    INVITATION_TTL_HOURS = int(_env("INVITATION_TTL_HOURS", str(24 * 7)))
    PASSWORD_RESET_TTL_MINUTES = int(_env("PASSWORD_RESET_TTL_MINUTES", "60"))
    PASSWORD_MIN_LENGTH = 10
    # Werkzeug's scrypt (N=32768, r=8, p=1, random salt), ~170 ms per hash here.
    PASSWORD_HASH_METHOD = "scrypt"


class DevelopmentConfig(Config):
    DEBUG = True
    MAIL_BACKEND = _env("MAIL_BACKEND", "console")
    MAIL_DELIVERY = _env("MAIL_DELIVERY", "background")

    def __init__(self) -> None:
        self.SECRET_KEY = _env("SECRET_KEY") or _dev_secret_key()
        # `PORT=5101 make run` serves on 5101: links in mail and feeds must say 5101 too.
        port = _env("FLASK_RUN_PORT") or _env("PORT") or "5000"
        self.PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL") or f"http://127.0.0.1:{port}"


class TestingConfig(Config):
    TESTING = True
    # CSRF stays on: tests post the token like a browser does.
    SECRET_KEY = secrets.token_hex(32)
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_BACKEND = "smtp"
    MAIL_SERVER = "127.0.0.1"
    # Sent right after the commit, so a test reads the mailbox at once; the worker
    # and the never-blocking path have their own tests.
    MAIL_DELIVERY = "inline"
    PUBLIC_BASE_URL = "http://localhost"
    # Still scrypt, with a small work factor: hundreds of sign-ins per test run would
    # otherwise spend minutes hashing. Real configs keep the default above.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    LOG_FORMAT = _env("LOG_FORMAT", "json")
    # Rate limits are counted in Redis when there is one: shared by every worker and instance.
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", _env("REDIS_URL") or "memory://")
    # Jobs go to the Redis queue when there is one (`flask worker` runs them).
    JOB_BACKEND = _env("JOB_BACKEND", "redis" if _env("REDIS_URL") else "inprocess")
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    def __init__(self) -> None:
        key = _env("SECRET_KEY")
        if not key:
            raise RuntimeError("SECRET_KEY must be set in production (see .env.example)")
        self.SECRET_KEY = key
        self.PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL")
        if not self.PUBLIC_BASE_URL:
            raise RuntimeError(
                "PUBLIC_BASE_URL must be set in production, e.g. https://moim.example.org "
                "(links in mail and calendar feeds; see .env.example)"
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> Config:
    name = _env("MOIM_CONFIG", "development")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise RuntimeError(f"unknown MOIM_CONFIG {name!r}; use one of {sorted(CONFIGS)}") from None
