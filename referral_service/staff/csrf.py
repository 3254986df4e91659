"""CSRF tokens for the staff pages' forms (scoped to them: the JSON API, the Twilio webhooks and the
public self-referral form have protections of their own and never see this).

Signed in, the token is the session's own secret (stored server-side with the session). Before
sign-in (the sign-in form itself) it is a random value in a short-lived HttpOnly cookie that the
form must echo (double submit), so that no other site can sign a browser in to an account of its
choosing. A state-changing request without the right token is refused with 400.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable

from flask import g, request
from werkzeug.exceptions import BadRequest

from .sessions import cookie_secure, current_user

FIELD = "csrf_token"
PRE_SESSION_COOKIE = "staff_csrf"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class CsrfFailed(BadRequest):
    description = ("This form has expired or did not come from this site. Go back, reload the page and try again. "
                   "Nothing was changed.")


def csrf_token() -> str:
    """The token to put in a form on this page (a Jinja global)."""
    user = current_user()
    if user is not None:
        return user.csrf_token
    token = request.cookies.get(PRE_SESSION_COOKIE) or g.get("new_pre_session_csrf")
    if not token:
        token = g.new_pre_session_csrf = secrets.token_urlsafe(32)
    return token


def check() -> None:
    """Refuse a state-changing request whose form does not carry the expected token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.form.get(FIELD) or request.headers.get("X-CSRF-Token") or ""
    user = current_user()
    expected = user.csrf_token if user is not None else request.cookies.get(PRE_SESSION_COOKIE, "")
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed()


def protect(view: Callable) -> Callable:
    """Decorator for a single view that changes state (for blueprints that also serve public forms)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        check()
        return view(*args, **kwargs)

    return wrapper


def set_pre_session_cookie(response):
    """after_request: hand the browser the pre-sign-in token that a page just put in a form."""
    token = g.pop("new_pre_session_csrf", None)
    if token:
        response.set_cookie(PRE_SESSION_COOKIE, token, max_age=2 * 3600, httponly=True, samesite="Lax",
                            secure=cookie_secure(), path="/")
    return response


def init_app(app) -> None:
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.after_request(set_pre_session_cookie)
