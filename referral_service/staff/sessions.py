"""Signed-in staff: a random session id in an HttpOnly, SameSite=Lax cookie; the session itself on the server.

The cookie holds only a random id; the database holds its digest, the user and the times, so signing
out (or disabling the account) ends the session everywhere at once. A session ends after
STAFF_SESSION_IDLE_MINUTES without a request and STAFF_SESSION_MAX_HOURS after sign-in, whatever.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Response, current_app, redirect, request, url_for

from ..db import get_db, write_transaction
from ..errors import Forbidden
from ..storage import users
from ..storage.tokens import Principal

COOKIE = "staff_session"
_CACHE = "referral_service.staff_user"


@dataclass(frozen=True)
class StaffUser:
    """The member of staff behind this request."""

    id: str
    email: str
    role: str
    service_id: str | None
    csrf_token: str
    session_hash: str

    @property
    def principal(self) -> Principal:
        """The same principal the API uses, so the service layer applies the same access rules to pages."""
        return Principal(token_id=self.id, role=self.role, service_id=self.service_id)

    @property
    def service_name(self) -> str | None:
        from rules import default_engine

        service = default_engine().ruleset.directory.service(self.service_id) if self.service_id else None
        return service.name if service else None


def cookie_secure() -> bool:
    """Secure cookies behind https, or when a setting says so."""
    config = current_app.config
    return bool(config.get("STAFF_COOKIE_SECURE") or request.is_secure
                or config.get("PREFERRED_URL_SCHEME") == "https"
                or str(config.get("PUBLIC_BASE_URL", "")).startswith("https://"))


def _expired(row: dict) -> bool:
    config = current_app.config
    at = users.now()
    idle = timedelta(minutes=config["STAFF_SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=config["STAFF_SESSION_MAX_HOURS"])
    return at - row["last_seen_at"] > idle or at - row["created_at"] > absolute


def current_user() -> StaffUser | None:
    """The signed-in member of staff, or None. An expired session is ended here."""
    # Cached in the WSGI environ, not g: under pytest-flask one app context spans many requests.
    cache = request.environ
    if _CACHE in cache:
        return cache[_CACHE]
    user = None
    session_id = request.cookies.get(COOKIE)
    if session_id:
        db = get_db()
        row = users.find_session(db, session_id)
        if row is not None:
            with write_transaction(db):
                if _expired(row):
                    users.end_session(db, row["id_hash"])
                else:
                    users.touch_session(db, row["id_hash"])
                    user = StaffUser(id=row["user_id"], email=row["email"], role=row["role"],
                                     service_id=row["service_id"], csrf_token=row["csrf_token"],
                                     session_hash=row["id_hash"])
    cache[_CACHE] = user
    return user


def start(response: Response, user_id: str, via: str) -> None:
    """Open a new session for ``user_id`` (a new id at every sign-in: no session fixation) and set its cookie."""
    db = get_db()
    with write_transaction(db):
        session_id, _ = users.start_session(db, user_id, via)
    max_age = int(current_app.config["STAFF_SESSION_MAX_HOURS"] * 3600)
    response.set_cookie(COOKIE, session_id, max_age=max_age, httponly=True, samesite="Lax", secure=cookie_secure(),
                        path="/")


def end(response: Response) -> None:
    """End the current session (if any) and clear its cookie."""
    user = current_user()
    if user is not None:
        db = get_db()
        with write_transaction(db):
            users.end_session(db, user.session_hash)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax", secure=cookie_secure())


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: never an absolute URL or //host (an open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def home_for(user: StaffUser) -> str:
    """Where a member of staff lands after signing in."""
    if user.role == "clinician":
        return url_for("check_page.check")
    return url_for("staff_inbox.inbox_page")


def require_staff(*roles: str) -> Callable:
    """Decorator for a staff page: signed out → the sign-in page (then back here); wrong role → 403."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                wanted = request.full_path if request.method == "GET" else request.path
                return redirect(url_for("staff_sign_in.sign_in", next=wanted.rstrip("?")), code=303)
            if roles and user.role not in roles:
                raise Forbidden(f"This page is for {' or '.join(roles)} accounts.")
            return view(*args, **kwargs)

        return wrapper

    return decorator
