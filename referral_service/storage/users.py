"""Staff accounts for the web pages: users, their sign-in sessions and failed sign-in attempts.

Passwords are stored only as slow hashes (made by referral_service.staff.passwords); session ids
and CSRF secrets only as SHA-256 digests of what the browser holds, so a copy of the database
cannot be used to sign in. Rows carry no personal data beyond the member of staff's work email.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from ..db import Database
from ..migrations import Migrations

ROLES = ("clinician", "service", "admin")
migrations = Migrations("users")


@migrations()
def create_user_tables(db: Database) -> None:
    db.execute(
        """
        create table staff_users (
            id text primary key,
            email text not null unique,
            password_hash text,
            role text not null,
            service_id text,
            created_at text not null,
            disabled_at text
        )
        """
    )
    db.execute(
        """
        create table staff_sessions (
            id_hash text primary key,
            user_id text not null references staff_users(id),
            csrf_token text not null,
            via text not null,
            created_at text not null,
            last_seen_at text not null,
            ended_at text
        )
        """
    )
    db.execute("create index staff_sessions_user on staff_sessions (user_id)")
    db.execute(
        """
        create table sign_in_failures (
            id integer primary key autoincrement,
            account text not null,
            address text not null,
            at text not null
        )
        """
    )
    db.execute("create index sign_in_failures_account on sign_in_failures (account, at)")
    db.execute("create index sign_in_failures_address on sign_in_failures (address, at)")


@migrations()
def create_oidc_logins(db: Database) -> None:
    # Single sign-on in progress: what the callback must check (state, nonce, PKCE verifier), for a few minutes.
    db.execute(
        """
        create table oidc_logins (
            state_hash text primary key,
            nonce text not null,
            code_verifier text not null,
            next_path text,
            created_at text not null
        )
        """
    )


def now() -> datetime:
    return datetime.now(UTC)


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


# --- users -----------------------------------------------------------------------------------------

def create_user(db: Database, email: str, role: str, service_id: str | None,
                password_hash: str | None) -> dict:
    """Store a new account; raise ValueError for a bad role, a service account without a service, or a taken email."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role == "service" and not service_id:
        raise ValueError("a service account needs --service")
    email = normalise_email(email)
    if "@" not in email:
        raise ValueError("the email must be an email address")
    if find_by_email(db, email) is not None:
        raise ValueError(f"there is already an account for {email}")
    row = {"id": "usr_" + secrets.token_hex(6), "email": email, "password_hash": password_hash, "role": role,
           "service_id": service_id if role == "service" else None, "created_at": _iso(now()), "disabled_at": None}
    db.execute(f"insert into staff_users ({', '.join(row)}) values ({', '.join('?' for _ in row)})", list(row.values()))
    return row


def find_by_email(db: Database, email: str) -> dict | None:
    rows = list(db.query("select * from staff_users where email = ?", [normalise_email(email)]))
    return rows[0] if rows else None


def get_user(db: Database, user_id: str) -> dict | None:
    rows = list(db.query("select * from staff_users where id = ?", [user_id]))
    return rows[0] if rows else None


def set_password_hash(db: Database, user_id: str, password_hash: str) -> None:
    db.execute("update staff_users set password_hash = ? where id = ?", [password_hash, user_id])


# --- sessions --------------------------------------------------------------------------------------

def start_session(db: Database, user_id: str, via: str) -> tuple[str, str]:
    """Open a session; return (the session id for the cookie, the CSRF token for its forms)."""
    session_id = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    at = _iso(now())
    db.execute(
        "insert into staff_sessions (id_hash, user_id, csrf_token, via, created_at, last_seen_at) values (?, ?, ?, ?, ?, ?)",
        [digest(session_id), user_id, csrf_token, via, at, at],
    )
    return session_id, csrf_token


def find_session(db: Database, session_id: str) -> dict | None:
    """The open session and its user, or None (unknown, ended, or the account disabled)."""
    rows = list(db.query(
        "select s.id_hash, s.user_id, s.csrf_token, s.via, s.created_at, s.last_seen_at, u.email, u.role, u.service_id "
        "from staff_sessions s join staff_users u on u.id = s.user_id "
        "where s.id_hash = ? and s.ended_at is null and u.disabled_at is null",
        [digest(session_id)],
    ))
    if not rows:
        return None
    row = dict(rows[0])
    row["created_at"] = datetime.fromisoformat(row["created_at"])
    row["last_seen_at"] = datetime.fromisoformat(row["last_seen_at"])
    return row


def touch_session(db: Database, id_hash: str) -> None:
    db.execute("update staff_sessions set last_seen_at = ? where id_hash = ?", [_iso(now()), id_hash])


def end_session(db: Database, id_hash: str) -> None:
    db.execute("update staff_sessions set ended_at = ? where id_hash = ? and ended_at is null", [_iso(now()), id_hash])


# --- failed sign-ins -------------------------------------------------------------------------------

def record_failure(db: Database, account: str, address: str) -> None:
    """Note a failed sign-in. ``account`` is a digest of the email typed, so unknown emails are not stored."""
    db.execute("insert into sign_in_failures (account, address, at) values (?, ?, ?)", [account, address, _iso(now())])


def failures_since(db: Database, since: datetime, *, account: str | None = None,
                   address: str | None = None) -> int:
    column, value = ("account", account) if account is not None else ("address", address)
    return db.execute(f"select count(*) from sign_in_failures where {column} = ? and at >= ?",
                      [value, _iso(since)]).fetchone()[0]


def clear_failures(db: Database, account: str) -> None:
    db.execute("delete from sign_in_failures where account = ?", [account])


# --- single sign-on in progress --------------------------------------------------------------------

def save_oidc_login(db: Database, state: str, nonce: str, code_verifier: str, next_path: str | None) -> None:
    db.execute("insert into oidc_logins (state_hash, nonce, code_verifier, next_path, created_at) values (?, ?, ?, ?, ?)",
               [digest(state), nonce, code_verifier, next_path, _iso(now())])


def take_oidc_login(db: Database, state: str, max_age_seconds: int) -> dict | None:
    """The sign-on started with this state, used once: deleted as it is read; None if unknown or too old."""
    rows = list(db.query("select * from oidc_logins where state_hash = ?", [digest(state)]))
    db.execute("delete from oidc_logins where state_hash = ? or created_at < ?",
               [digest(state), _iso(now() - timedelta(seconds=max_age_seconds))])
    if not rows or datetime.fromisoformat(rows[0]["created_at"]) < now() - timedelta(seconds=max_age_seconds):
        return None
    return rows[0]


def list_users(db: Database) -> list[dict]:
    return list(db.query("select id, email, role, service_id, created_at, disabled_at from staff_users order by email"))


def disable_user(db: Database, user_id: str) -> None:
    db.execute("update staff_users set disabled_at = coalesce(disabled_at, ?) where id = ?", [_iso(now()), user_id])


def end_sessions_of(db: Database, user_id: str) -> None:
    db.execute("update staff_sessions set ended_at = ? where user_id = ? and ended_at is null", [_iso(now()), user_id])
