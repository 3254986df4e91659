"""Flask extensions shared by blueprints (created unbound, initialised in create_app): the rate limiter.

Every request from an address is limited, per endpoint. The public API endpoints carry their own
``@limiter.limit(public_limit(...))``; every other route (the pages, the docs, token-protected endpoints
called without a valid token) gets a default limit, chosen per page by ``PAGE_LIMITS``. Only a valid token
lifts a public limit: a header that is not one (``x``, ``Basic …``, an empty ``Bearer``) counts as anonymous,
because the request is then served as anonymous.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many

from .ratelimit_storage import storage_uri

# Per client address (the real client's behind a proxy with PROXY_FIX; see security.py). Generous enough for a
# clinic behind one NAT address or a burst of retries, low enough to stop scripted abuse. Each can be changed
# with RATELIMIT_<NAME> in the environment (e.g. RATELIMIT_SELF_REFERRAL="60 per minute").
PUBLIC_LIMITS = {
    "eligibility": "1200 per minute",
    "self_referral": "120 per minute;2000 per hour",
    "bot": "600 per minute;10000 per hour",
    "consent_withdraw": "30 per minute;300 per hour",
    "consent_confirm": "30 per minute;300 per hour",
    # The no-JS self-referral form: a person answers in a few steps; its own referral call is not counted again.
    "self_referral_form": "60 per minute;600 per hour",
    # The clinicians' eligibility page (a clinic may share one address).
    "check": "300 per minute;5000 per hour",
    # Every other page and route without a limit of its own.
    "pages": "300 per minute;5000 per hour",
}
# Pages with a limit of their own, by their public path (and everything under it: the form's steps, /check/refer);
# any other route without a decorator gets "pages".
PAGE_LIMITS = {
    "/self-referral": "self_referral_form",
    "/check": "check",
}
# Never limited: the load balancer's health probe, and Twilio's signed webhooks (callbacks arrive at campaign
# rate from a few shared Twilio addresses; each is signature-checked before anything is done).
UNLIMITED_ENDPOINTS = frozenset({"health.healthz", "sms_webhooks.inbound", "sms_webhooks.status"})
# Set in the WSGI environ by in-process callers (the embedded chatbot, the no-JS form), which outside clients
# cannot do (headers arrive as HTTP_*); the channel they come through is limited already.
IN_PROCESS = "referral_service.in_process"
_VALID_TOKEN = "referral_service.limits.valid_token"


def _setting(name: str) -> str:
    return current_app.config.get(f"RATELIMIT_{name.upper()}") or PUBLIC_LIMITS[name]


def public_limit(name: str) -> Callable[[], str]:
    """The limit for a public endpoint, read from config at request time."""
    PUBLIC_LIMITS[name]  # a typo in a route's limit name fails at import, not at the first request
    return lambda: _setting(name)


def _page_limit() -> str:
    path = request.path
    name = next((n for prefix, n in PAGE_LIMITS.items() if path == prefix or path.startswith(prefix + "/")), "pages")
    return _setting(name)


def _has_valid_token() -> bool:
    """Whether the request carries a valid (unrevoked) bearer token; checked once per request."""
    if _VALID_TOKEN not in request.environ:
        from .auth import optional_principal
        from .errors import Unauthorized

        try:
            valid = optional_principal() is not None
        except Unauthorized:
            valid = False
        request.environ[_VALID_TOKEN] = valid
    return request.environ[_VALID_TOKEN]


def exempt_from_public_limits() -> bool:
    """Holders of a valid token are accountable, and in-process calls were limited where they came in."""
    return bool(request.environ.get(IN_PROCESS)) or _has_valid_token()


def _exempt_from_default_limits() -> bool:
    return request.endpoint in UNLIMITED_ENDPOINTS or exempt_from_public_limits()


limiter = Limiter(key_func=get_remote_address, default_limits=[_page_limit],
                  default_limits_exempt_when=_exempt_from_default_limits)


def check_limit_settings(config: dict) -> None:
    """Refuse to start with a limit setting that cannot be parsed (else every request it covers would fail)."""
    for name in PUBLIC_LIMITS:
        key = f"RATELIMIT_{name.upper()}"
        value = config.get(key)
        if not value:
            continue
        try:
            parse_many(value)
        except ValueError:
            raise ValueError(f"{key}={value!r} is not a rate limit; write it like '60 per minute;1000 per hour'.") from None


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    # memory:// is served by our variant of limits' storage, which never starts a thread per request.
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(app.config["RATELIMIT_STORAGE_URI"])
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    check_limit_settings(app.config)
    limiter.init_app(app)
