"""The SQLite database (sqlite-utils): one file, WAL mode, a busy timeout, migrations at start.

Each aggregate owns its tables in its own storage module and registers a named migration set here
(``register_migrations``), so features can add tables without touching each other's history.
SQL stays inside those storage modules: a PostgreSQL backend can replace them without touching
the web layer.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import sqlite_utils
from flask import Flask, current_app, g
from sqlite_utils.migrations import Migrations

BUSY_TIMEOUT_MS = 5000
_MIGRATION_SETS: list[Migrations] = []
_lock = threading.Lock()


def register_migrations(migrations: Migrations) -> Migrations:
    """Add a feature's migration set; they are applied in registration order."""
    if all(m.name != migrations.name for m in _MIGRATION_SETS):
        _MIGRATION_SETS.append(migrations)
    return migrations


def connect(path: str | Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, read_only: bool = False,
            max_size_mb: float | None = None) -> sqlite_utils.Database:
    """Open the database file with the settings every connection needs.

    ``read_only`` opens it so that any write fails (a maintenance window: the service still answers
    eligibility and reads); ``max_size_mb`` caps the file (a write past it fails as "disk full").
    """
    path = Path(path)
    if str(path) != ":memory:" and not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    target, uri = (f"file:{path}?mode=ro", True) if read_only else (str(path), False)
    conn = sqlite3.connect(target, timeout=busy_timeout_ms / 1000, check_same_thread=False, uri=uri)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    if max_size_mb:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {int(max_size_mb * 1024 * 1024 // page_size)}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    db = sqlite_utils.Database(conn)
    if str(path) != ":memory:" and not read_only:
        db.enable_wal()
    return db


def connect_for(app: Flask) -> sqlite_utils.Database:
    """A connection with the app's database settings (DATABASE_PATH, busy timeout, read-only, size cap)."""
    config = app.config
    return connect(
        config["DATABASE_PATH"],
        busy_timeout_ms=int(config.get("DATABASE_BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS)),
        read_only=bool(config.get("DATABASE_READ_ONLY", False)),
        max_size_mb=config.get("DATABASE_MAX_SIZE_MB") or None,
    )


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply every pending migration; return the names applied."""
    _import_features()
    applied = []
    with _lock:
        for migrations in _MIGRATION_SETS:
            pending = [m.name for m in migrations.pending(db)]
            if pending:
                migrations.apply(db)
                applied.extend(f"{migrations.name}:{name}" for name in pending)
    return applied


def _import_features() -> None:
    # Importing a storage module registers its migration set.
    from . import storage  # noqa: F401


def get_db() -> sqlite_utils.Database:
    """The request's database connection (one per request, closed at teardown)."""
    if "db" not in g:
        g.db = connect_for(current_app)
    return g.db


def init_app(app: Flask) -> None:
    if not app.config.get("DATABASE_READ_ONLY"):
        db = connect(app.config["DATABASE_PATH"])
        try:
            migrate(db)
        finally:
            db.conn.close()

    @app.teardown_appcontext
    def _close(_exc):
        db = g.pop("db", None)
        if db is not None:
            db.conn.close()


class write_transaction:
    """``with write_transaction(db):`` — BEGIN IMMEDIATE … COMMIT, rolled back on any error.

    IMMEDIATE takes the write lock up front, so two writers never deadlock upgrading a read lock;
    the busy timeout then makes the second one wait its turn.
    """

    def __init__(self, db: sqlite_utils.Database):
        self.conn = db.conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.conn.execute("COMMIT")
        elif self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        return False
