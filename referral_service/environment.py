"""Which environment the service runs in, and what it refuses to start with outside development.

``ENVIRONMENT`` is ``development`` or ``production``. Unset, it is worked out from ``PUBLIC_BASE_URL``: a laptop
(no address, or localhost / 127.0.0.1 / ::1) is development — ``make run`` and the tests need nothing — and any
other address is production, since Twilio and the people texted must be able to reach it. So a deployment is
production unless someone writes ``ENVIRONMENT=development`` on purpose (fail closed).

Outside development the service will not start with a default, empty, short or published secret: the bot auth
token (guards the chat tracker), the Twilio auth token (the signature that proves a STOP, a START or a delivery
report came from Twilio; the sandbox's token is in this repository) or the placeholder Twilio account. The local
SMS sandbox runs in development only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

DEVELOPMENT = "development"
PRODUCTION = "production"
ENVIRONMENTS = (DEVELOPMENT, PRODUCTION)
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", ""}
# Secrets published in this repository, its docs or its old compose file, and the usual placeholders.
KNOWN_DEFAULTS = frozenset({"change-me", "changeme", "sandbox-auth-token", "secret", "password", "test",
                            "test-bot-token", "bot-token", "token", "default"})
MIN_SECRET_LENGTH = 16
PLACEHOLDER_ACCOUNT = "AC" + "0" * 32


def environment_from(env: Mapping[str, str]) -> str:
    """``ENVIRONMENT`` if set (development or production; anything else is refused), else from PUBLIC_BASE_URL."""
    named = (env.get("ENVIRONMENT") or "").strip().lower()
    if named:
        if named not in ENVIRONMENTS:
            raise ValueError(f"ENVIRONMENT must be one of {', '.join(ENVIRONMENTS)} (got {named!r}).")
        return named
    host = urlsplit(env.get("PUBLIC_BASE_URL") or "").hostname or ""
    return DEVELOPMENT if host in _LOCAL_HOSTS else PRODUCTION


def is_development(config: Mapping[str, Any]) -> bool:
    """Whether the app runs in development (the tests count as development)."""
    return config.get("ENVIRONMENT", DEVELOPMENT) == DEVELOPMENT


def secret_problems(config: Mapping[str, Any]) -> list[str]:
    """Why the secrets in ``config`` are not fit for production (names of settings only, never their values)."""
    problems = []
    for name in ("BOT_AUTH_TOKEN", "TWILIO_AUTH_TOKEN"):
        value = str(config.get(name) or "")
        if not value:
            problems.append(f"{name} is empty")
        elif value.strip().lower() in KNOWN_DEFAULTS:
            problems.append(f"{name} is a default or published value")
        elif len(value) < MIN_SECRET_LENGTH:
            problems.append(f"{name} is shorter than {MIN_SECRET_LENGTH} characters")
    if (config.get("TWILIO_ACCOUNT_SID") or PLACEHOLDER_ACCOUNT) == PLACEHOLDER_ACCOUNT:
        problems.append("TWILIO_ACCOUNT_SID is the sandbox's placeholder account")
    return problems


def refuse_default_secrets(config: Mapping[str, Any]) -> None:
    """Stop the app from starting outside development with a default or empty secret (RuntimeError)."""
    if is_development(config):
        return
    problems = secret_problems(config)
    if problems:
        raise RuntimeError(
            f"Refusing to start in {config.get('ENVIRONMENT')}: " + "; ".join(problems) + ". Set real secrets in the "
            "environment (or ENVIRONMENT=development on a laptop, never on a server others can reach).")


def require_development(config: Mapping[str, Any], what: str) -> None:
    """For development-only tools (the SMS sandbox): RuntimeError outside development."""
    if not is_development(config):
        raise RuntimeError(f"The {what} runs in development only (ENVIRONMENT=development); this is "
                           f"{config.get('ENVIRONMENT')}.")
