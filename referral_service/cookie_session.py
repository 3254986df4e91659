"""Flask's signed-cookie session (the no-JS self-referral form and the staff pages use it), opened without
building its signer for a request that carries no session cookie, which is every API call: Flask builds a
signing serializer (key derivation included) for every request before it even looks for the cookie."""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSessionInterface(SecureCookieSessionInterface):
    """SecureCookieSessionInterface, with the no-cookie case answered first (a new, empty session, as Flask gives)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
