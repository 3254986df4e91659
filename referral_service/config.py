"""Configuration from environment variables, with safe defaults for a laptop (`make run`)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from .environment import environment_from

MAX_BODY_BYTES = 64 * 1024


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _rate_limit_keys() -> list[str]:
    from .extensions import PUBLIC_LIMITS

    return [f"RATELIMIT_{name.upper()}" for name in PUBLIC_LIMITS]


def from_environment(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Read the settings named in CONTRACT.md (and a few of our own) from the environment."""
    env = dict(os.environ if env is None else env)
    var_dir = Path(env.get("VAR_DIR", "var"))
    port = int(env.get("PORT", "5000"))
    return {
        # development or production (see environment.py: unset, a public PUBLIC_BASE_URL means production).
        "ENVIRONMENT": environment_from(env),
        "DATABASE_PATH": env.get("DATABASE_PATH", str(var_dir / "referral-service.db")),
        # PostgreSQL for several instances (postgresql://user@host:5432/db); unset: SQLite at DATABASE_PATH.
        "DATABASE_URL": env.get("DATABASE_URL") or None,
        # PostgreSQL connections each process keeps open (a pool shared by its threads).
        "DATABASE_POOL_SIZE": int(env.get("DATABASE_POOL_SIZE", "10")),
        "PORT": port,
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}").rstrip("/"),
        # Without a configured token the bot tracker is closed to everyone but this process.
        "BOT_AUTH_TOKEN": env.get("BOT_AUTH_TOKEN") or secrets.token_urlsafe(24),
        # Signs the no-JS form's session cookie; without it, a key kept beside the database (chat/self_referral.py).
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", "AC" + "0" * 32),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", "sandbox-auth-token"),
        "TWILIO_MESSAGING_SERVICE_SID": env.get("TWILIO_MESSAGING_SERVICE_SID") or None,
        "TWILIO_FROM_NUMBER": env.get("TWILIO_FROM_NUMBER") or None,
        "TWILIO_API_URL": env.get("TWILIO_API_URL") or None,
        "SMS_SEND_WINDOW": env.get("SMS_SEND_WINDOW", "Mon-Sat 09:00-19:00"),
        "SMS_RATE_PER_SECOND": float(env.get("SMS_RATE_PER_SECOND", "10")),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        # RATELIMIT_<NAME> for each public limit (extensions.PUBLIC_LIMITS), e.g. RATELIMIT_SELF_REFERRAL.
        **{key: env[key] for key in _rate_limit_keys() if env.get(key)},
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        # Behind N reverse proxies: trust their X-Forwarded-* headers (real client address, https). 0: none.
        "PROXY_FIX": int(env.get("PROXY_FIX") or 0),
        # Abandoned chats are purged by the app itself at most this often (minutes; 0 turns it off; unset: 60,
        # and off under TESTING unless a test asks for it).
        "CHAT_PURGE_INTERVAL_MINUTES": float(env["CHAT_PURGE_INTERVAL_MINUTES"]) if env.get("CHAT_PURGE_INTERVAL_MINUTES")
        else None,
        # How long a request waits for another writer before answering 503 with Retry-After.
        "DATABASE_BUSY_TIMEOUT_MS": int(env.get("DATABASE_BUSY_TIMEOUT_MS", "5000")),
        # Read-only mode (e.g. during a restore): reads and eligibility work, writes get a clear 503.
        "DATABASE_READ_ONLY": _bool(env.get("DATABASE_READ_ONLY"), False),
        # Optional cap on the database file size, in MB; past it writes get a clear 503.
        "DATABASE_MAX_SIZE_MB": float(env["DATABASE_MAX_SIZE_MB"]) if env.get("DATABASE_MAX_SIZE_MB") else None,
        "MAX_CONTENT_LENGTH": MAX_BODY_BYTES,
    }
