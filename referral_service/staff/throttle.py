"""Throttling of failed sign-ins, per account (the email typed) and per address, counted in the database
so that every worker and instance sees the same counts.

After SIGN_IN_MAX_FAILURES_PER_ACCOUNT failures for one email, or SIGN_IN_MAX_FAILURES_PER_ADDRESS
from one address, within SIGN_IN_FAILURE_WINDOW_MINUTES, further attempts are refused without
checking the password until the window has passed. A successful sign-in clears the account's count.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, request

from ..db import get_db, write_transaction
from ..storage import users


def account_key(email: str) -> str:
    # A digest, so that the emails people mistype are not kept.
    return users.digest("account:" + users.normalise_email(email))


def _address() -> str:
    return request.remote_addr or "unknown"


def window_minutes() -> int:
    return int(current_app.config["SIGN_IN_FAILURE_WINDOW_MINUTES"])


def blocked(email: str) -> bool:
    """Whether this email or this address has failed too often recently."""
    config = current_app.config
    since = users.now() - timedelta(minutes=window_minutes())
    db = get_db()
    return (users.failures_since(db, since, account=account_key(email)) >= config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT"]
            or users.failures_since(db, since, address=_address()) >= config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"])


def record_failure(email: str) -> None:
    db = get_db()
    with write_transaction(db):
        users.record_failure(db, account_key(email), _address())


def clear(email: str) -> None:
    db = get_db()
    with write_transaction(db):
        users.clear_failures(db, account_key(email))
