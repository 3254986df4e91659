"""GET/POST /sign-in and POST /sign-out for staff (clinicians, services, admins) with local accounts.

A wrong email and a wrong password get the same message and take the same time (the password
check runs either way), so the form does not reveal who has an account.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from ..db import get_db, write_transaction
from ..storage import audit, users
from . import csrf, error_pages, passwords, sessions, throttle

log = logging.getLogger(__name__)
bp = Blueprint("staff_sign_in", __name__)
bp.before_request(csrf.check)
error_pages.html_errors(bp)

WRONG = "Enter a correct email address and password. Both are case sensitive except the email."


def _form(errors: dict[str, str] | None = None, status: int = 200, notice: str | None = None):
    return render_template("staff/sign_in.html", errors=errors or {}, form=request.form, notice=notice,
                           next=sessions.safe_next(request.values.get("next"), ""),
                           oidc=bool(current_app.config.get("OIDC_ISSUER")),
                           oidc_name=current_app.config.get("OIDC_PROVIDER_NAME")), status


@bp.route("/sign-in", methods=["GET"])
def sign_in():
    """The sign-in form (signed in already: straight on)."""
    user = sessions.current_user()
    if user is not None:
        return redirect(sessions.safe_next(request.args.get("next"), sessions.home_for(user)), code=303)
    notice = None
    if request.args.get("signed_out"):
        notice = "You have signed out."
    elif request.args.get("next"):
        notice = "Sign in to see that page. If you were signed in before, your session ended."
    return _form(notice=notice)


@bp.route("/sign-in", methods=["POST"])
def sign_in_post():
    email = (request.form.get("email") or "").strip()
    password = request.form.get("password") or ""
    errors = {}
    if not email:
        errors["email"] = "Enter your email address"
    if not password:
        errors["password"] = "Enter your password"
    if errors:
        return _form(errors, 400)
    if throttle.blocked(email):
        log.warning("sign_in_throttled")
        return _form({"email": f"Too many failed attempts to sign in. Wait {throttle.window_minutes()} minutes and try "
                               "again, or ask your administrator to reset your password."}, 429)
    db = get_db()
    account = users.find_by_email(db, email)
    ok = passwords.verify_password(account["password_hash"] if account else None, password)
    if not ok or account is None or account["disabled_at"] is not None:
        throttle.record_failure(email)
        audit.record(db, actor=account["id"] if account else None, role=account["role"] if account else None,
                     action="staff.sign_in", outcome="wrong_credentials")
        return _form({"email": WRONG}, 401)
    throttle.clear(email)
    if passwords.needs_rehash(account["password_hash"]):
        with write_transaction(db):
            users.set_password_hash(db, account["id"], passwords.hash_password(password))
    audit.record(db, actor=account["id"], role=account["role"], action="staff.sign_in", service_id=account["service_id"])
    user = sessions.StaffUser(id=account["id"], email=account["email"], role=account["role"],
                              service_id=account["service_id"], csrf_token="", session_hash="")
    response = redirect(sessions.safe_next(request.form.get("next"), sessions.home_for(user)), code=303)
    sessions.start(response, account["id"], via="password")
    return response


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    user = sessions.current_user()
    if user is not None:
        audit.record(get_db(), actor=user.id, role=user.role, action="staff.sign_out", service_id=user.service_id)
    response = redirect(url_for("staff_sign_in.sign_in", signed_out=1), code=303)
    sessions.end(response)
    return response
