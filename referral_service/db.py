"""The data layer: one interface over two engines, and the one way storage commits.

- Embedded default: a SQLite file in WAL mode at ``DATABASE_PATH`` (``engines/sqlite.py``).
- At scale: PostgreSQL at ``DATABASE_URL=postgresql://…`` (``engines/postgres.py``), pooled per process.

Storage modules (``storage/*``) own all SQL, written once in our dialect (``?`` placeholders; the
PostgreSQL engine translates it). Every database object has:

    db.execute(sql, params) -> cursor     db.query(sql, params) -> dicts    db.executemany(sql, rows)
    db.transaction()  (``transaction(db)``): the only way storage commits; nests with savepoints
    db.dialect ("sqlite" | "postgresql"), db.writes_work(), db.close()

and ``db.conn`` behaves like a ``sqlite3.Connection`` on both engines, for older code. Busy, full,
read-only and unreachable databases raise ``StorageBusy``, ``StorageFull``, ``ReadOnly`` and
``StorageUnavailable``, which ``errors.py`` maps to 503s. Migrations are listed in ``schema.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g

from .engines import sqlite
from .engines.errors import ReadOnly, StorageBusy, StorageError, StorageFull, StorageUnavailable
from .engines.sqlite import SqliteDatabase

__all__ = ["Database", "ReadOnly", "StorageBusy", "StorageError", "StorageFull", "StorageUnavailable", "connect",
           "connect_for", "get_db", "init_app", "is_postgres_url", "register_migrations", "storage_error", "transaction",
           "write_transaction"]

BUSY_TIMEOUT_MS = 5000
# SqliteDatabase or engines.postgres.PostgresDatabase: the same interface (see the module docstring).
Database = Any
_REGISTERED: list = []


def is_postgres_url(target: Any) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


def connect(target: str | Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, read_only: bool = False,
            max_size_mb: float | None = None, pool_size: int = 10, pooled: bool = True) -> Database:
    """Open the database: a ``postgresql://`` URL, or the path of the SQLite file.

    ``read_only`` refuses every write (a maintenance window: the service still answers eligibility
    and reads); ``max_size_mb`` caps a SQLite file (a write past it fails as ``StorageFull``).
    """
    if is_postgres_url(target):
        from .engines import postgres

        url = str(target).replace("postgresql+psycopg://", "postgresql://", 1)
        return postgres.connect(url, busy_timeout_ms=busy_timeout_ms, read_only=read_only, pool_size=pool_size,
                                pooled=pooled)
    return sqlite.connect(target, busy_timeout_ms=busy_timeout_ms, read_only=read_only, max_size_mb=max_size_mb)


def database_target(config: Mapping[str, Any]) -> str:
    """Where the app's data lives: DATABASE_URL when set, else the SQLite file at DATABASE_PATH."""
    return config.get("DATABASE_URL") or config["DATABASE_PATH"]


def connect_for(app_or_config: Flask | Mapping[str, Any], **overrides: Any) -> Database:
    """A connection with the app's database settings (URL or path, busy timeout, read-only, size cap, pool)."""
    config = app_or_config.config if isinstance(app_or_config, Flask) else app_or_config
    options = {
        "busy_timeout_ms": int(config.get("DATABASE_BUSY_TIMEOUT_MS") or BUSY_TIMEOUT_MS),
        "read_only": bool(config.get("DATABASE_READ_ONLY", False)),
        "max_size_mb": config.get("DATABASE_MAX_SIZE_MB") or None,
        "pool_size": int(config.get("DATABASE_POOL_SIZE") or 10),
        **overrides,
    }
    return connect(database_target(config), **options)


def get_db() -> Database:
    """The request's database connection (one per request, closed or given back to the pool at teardown)."""
    if "db" not in g:
        g.db = connect_for(current_app)
    return g.db


def transaction(db: Database, *, exclusive: bool = True, key: str | None = None) -> AbstractContextManager:
    """``with transaction(db):`` — one transaction, committed at the end, rolled back on any error.

    Inside another it is a savepoint (so storage functions can be called alone or together).
    ``exclusive`` keeps one writer at a time on PostgreSQL as on SQLite; ``key`` keeps one writer at a
    time per key instead (e.g. per idempotency key), so that unrelated writes run side by side.
    """
    return db.transaction(exclusive=exclusive, key=key)


# The name storage modules have always used (BEGIN IMMEDIATE on SQLite): the same helper.
write_transaction = transaction


def storage_error(error: BaseException) -> StorageError | None:
    """Our storage error for a driver error from either engine (busy, full, read-only, unreachable)."""
    if isinstance(error, StorageError):
        return error
    mapped = sqlite.storage_error(error)
    if mapped is None and type(error).__module__.startswith("psycopg"):
        from .engines import postgres

        mapped = postgres.storage_error(error)
    return mapped


def driver_errors() -> tuple[type[BaseException], ...]:
    """Either driver's own error classes (sqlite3, psycopg): for the rare caller that must catch any of them."""
    import sqlite3

    errors: tuple[type[BaseException], ...] = (sqlite3.DatabaseError,)
    try:
        import psycopg
    except ImportError:  # the embedded default needs no PostgreSQL driver
        return errors
    return (*errors, psycopg.Error)


def register_migrations(migrations):
    """Older storage modules register their set here; ``schema.py`` runs them after the ones it lists."""
    if all(m.name != migrations.name for m in _REGISTERED):
        _REGISTERED.append(migrations)
    return migrations


def registered_migrations() -> list:
    return list(_REGISTERED)


def init_app(app: Flask) -> None:
    """Close (or give back) the request's connection at teardown. Migrations: ``schema.init_app``."""

    @app.teardown_appcontext
    def _close(_exc):
        db = g.pop("db", None)
        if db is not None:
            db.close()


def close_pools() -> None:
    """Close this process's PostgreSQL pools (tests; harmless on SQLite)."""
    import sys

    postgres = sys.modules.get("referral_service.engines.postgres")
    if postgres is not None:
        postgres.close_pools()


__all__ += ["SqliteDatabase", "close_pools", "database_target", "driver_errors", "registered_migrations"]
