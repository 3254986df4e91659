"""Flask extensions shared by blueprints (created unbound, initialised in create_app)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Public endpoints carry their own @limiter.limit(public_limit(...)); nothing is limited by default.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

# Per client address. Generous enough for a clinic behind one NAT address or a burst of retries,
# low enough to stop scripted abuse. Each can be changed with RATELIMIT_<NAME> (e.g.
# RATELIMIT_SELF_REFERRAL="60 per minute").
PUBLIC_LIMITS = {
    "eligibility": "1200 per minute",
    "self_referral": "120 per minute;2000 per hour",
    "bot": "600 per minute;10000 per hour",
    "consent_withdraw": "30 per minute;300 per hour",
}
# Set in the WSGI environ by in-process callers (the embedded chatbot), which outside clients cannot do;
# the bot channel they come through is limited already.
IN_PROCESS = "referral_service.in_process"


def public_limit(name: str) -> Callable[[], str]:
    """The limit for a public endpoint, read from config at request time."""
    default = PUBLIC_LIMITS[name]
    return lambda: current_app.config.get(f"RATELIMIT_{name.upper()}") or default


def exempt_from_public_limits() -> bool:
    """Token holders are accountable, and in-process calls were limited where they came in."""
    return bool(request.headers.get("Authorization")) or bool(request.environ.get(IN_PROCESS))


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    limiter.init_app(app)
