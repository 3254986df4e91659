"""Settings for the staff pages, read from the environment with safe defaults.

STAFF_SESSION_IDLE_MINUTES (30) and STAFF_SESSION_MAX_HOURS (12): a session ends after that long
without a request, and in any case that long after sign-in. STAFF_COOKIE_SECURE: "true" marks the
cookies Secure even when the app cannot tell it is behind https (they are Secure anyway when the
request is https, PREFERRED_URL_SCHEME is https or PUBLIC_BASE_URL starts with https).
SIGN_IN_MAX_FAILURES_PER_ACCOUNT (5) and SIGN_IN_MAX_FAILURES_PER_ADDRESS (30) within
SIGN_IN_FAILURE_WINDOW_MINUTES (15). OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET (and optionally
OIDC_SCOPES, OIDC_PROVIDER_NAME) turn on single sign-on.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def from_environment(env: dict[str, str] | None = None) -> dict[str, Any]:
    env = dict(os.environ if env is None else env)
    return {
        "STAFF_SESSION_IDLE_MINUTES": int(env.get("STAFF_SESSION_IDLE_MINUTES", "30")),
        "STAFF_SESSION_MAX_HOURS": float(env.get("STAFF_SESSION_MAX_HOURS", "12")),
        "STAFF_COOKIE_SECURE": _bool(env.get("STAFF_COOKIE_SECURE")),
        "SIGN_IN_MAX_FAILURES_PER_ACCOUNT": int(env.get("SIGN_IN_MAX_FAILURES_PER_ACCOUNT", "5")),
        "SIGN_IN_MAX_FAILURES_PER_ADDRESS": int(env.get("SIGN_IN_MAX_FAILURES_PER_ADDRESS", "30")),
        "SIGN_IN_FAILURE_WINDOW_MINUTES": int(env.get("SIGN_IN_FAILURE_WINDOW_MINUTES", "15")),
        "OIDC_ISSUER": (env.get("OIDC_ISSUER") or "").rstrip("/") or None,
        "OIDC_CLIENT_ID": env.get("OIDC_CLIENT_ID") or None,
        "OIDC_CLIENT_SECRET": env.get("OIDC_CLIENT_SECRET") or None,
        "OIDC_SCOPES": env.get("OIDC_SCOPES", "openid email profile"),
        "OIDC_PROVIDER_NAME": env.get("OIDC_PROVIDER_NAME", "your organisation's account"),
    }


def init_app(app: Flask) -> None:
    """Fill in every staff setting the app was not given explicitly (tests pass theirs to create_app)."""
    for name, value in from_environment().items():
        app.config.setdefault(name, value)
