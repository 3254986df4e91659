"""API tokens: stored as SHA-256 hashes only, revocable, with a role and (for services) a service id."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from ..db import Database, transaction
from ..migrations import Migrations

ROLES = ("clinician", "service", "admin")
migrations = Migrations("tokens")


@migrations()
def create_tokens(db: Database) -> None:
    db.execute("create table if not exists api_tokens (id text primary key, token_hash text not null, role text not null, "
               "service_id text, label text, created_at text not null, revoked_at text)")
    db.execute("create unique index if not exists idx_api_tokens_token_hash on api_tokens (token_hash)")


@dataclass(frozen=True)
class Principal:
    """Who is calling: a token's role and, for a service token, its service."""

    token_id: str
    role: str
    service_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_see_service(self, service_id: str | None) -> bool:
        """Admins and clinicians see every service's records; a service token sees only its own."""
        if self.role == "service":
            return service_id is not None and service_id == self.service_id
        return True


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(db: Database, role: str, service_id: str | None = None, label: str = "") -> tuple[str, str]:
    """Create a token; return (token id, the secret token). Only the hash is stored."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role == "service" and not service_id:
        raise ValueError("a service token needs --service")
    token_id = "tok_" + secrets.token_hex(6)
    secret = f"rs_{role[:3]}_{secrets.token_urlsafe(32)}"
    with transaction(db, exclusive=False):
        db.execute("insert into api_tokens (id, token_hash, role, service_id, label, created_at, revoked_at) "
                   "values (?, ?, ?, ?, ?, ?, null)",
                   [token_id, _hash(secret), role, service_id, label, datetime.now(UTC).isoformat(timespec="seconds")])
    return token_id, secret


def find_principal(db: Database, secret: str) -> Principal | None:
    """The principal for a presented token, or None if unknown or revoked."""
    row = db.execute(
        "select id, role, service_id from api_tokens where token_hash = ? and revoked_at is null", [_hash(secret)]
    ).fetchone()
    if row is None:
        return None
    return Principal(token_id=row[0], role=row[1], service_id=row[2])


def revoke_token(db: Database, token_id: str) -> bool:
    with transaction(db, exclusive=False):
        cursor = db.execute(
            "update api_tokens set revoked_at = ? where id = ? and revoked_at is null",
            [datetime.now(UTC).isoformat(timespec="seconds"), token_id],
        )
    return cursor.rowcount == 1


def list_tokens(db: Database) -> list[dict]:
    return list(db.query("select id, role, service_id, label, created_at, revoked_at from api_tokens order by created_at"))
