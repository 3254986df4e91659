"""The embedded engine: one SQLite file in WAL mode, through sqlite-utils.

``SqliteDatabase`` is a ``sqlite_utils.Database`` (so its fast bulk helpers stay available) with the
engine-neutral parts every storage module uses: ``transaction()`` (BEGIN IMMEDIATE, savepoints when
nested), ``dialect``, a write probe for ``/healthz`` and SQLite's errors turned into ours.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from .errors import ReadOnly, StorageBusy, StorageError, StorageFull

log = logging.getLogger(__name__)
_savepoints = itertools.count(1)
# The database file and its WAL sidecars hold personal data: owner only.
FILE_MODE = 0o600


def storage_error(error: BaseException) -> StorageError | None:
    """Our error for a sqlite3 error that means busy, full or read-only; None for anything else."""
    if not isinstance(error, sqlite3.OperationalError | sqlite3.DatabaseError) or isinstance(error, sqlite3.IntegrityError):
        return None
    name = getattr(error, "sqlite_errorname", "") or ""
    text = str(error).lower()
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text or "busy" in text:
        return StorageBusy(str(error))
    if name.startswith("SQLITE_FULL") or "full" in text:
        return StorageFull(str(error))
    if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
        return ReadOnly(str(error))
    return None


def repair_sidecars(path: str | Path) -> bool:
    """Make the ``-wal`` and ``-shm`` files writable again when the database file itself is writable.

    SQLite creates the sidecars with the database file's permissions. If the file was read-only when
    a reader opened it (a restore, an operator's chmod), the ``-shm`` is created read-only and stays
    so after the file is writable again: every later connection then maps it read-only and every
    write fails, for good, across restarts. We own those files, so we put their mode back.
    """
    path = Path(path)
    if str(path) == ":memory:" or not path.exists() or not os.access(path, os.W_OK):
        return False
    repaired = False
    mode = stat.S_IMODE(path.stat().st_mode)
    for suffix in ("-shm", "-wal"):
        sidecar = path.with_name(path.name + suffix)
        try:
            current = stat.S_IMODE(sidecar.stat().st_mode)
        except FileNotFoundError:
            continue
        # A root process passes os.access whatever the mode: look at the owner's write bit as well.
        if not os.access(sidecar, os.W_OK) or not current & stat.S_IWUSR:
            try:
                os.chmod(sidecar, mode | stat.S_IWUSR | stat.S_IRUSR)
                repaired = True
            except OSError:
                log.warning("database_sidecar_not_repaired", extra={"sidecar": suffix})
    if repaired:
        log.warning("database_sidecar_repaired")
    return repaired


class SqliteDatabase(sqlite_utils.Database):
    """A sqlite-utils database with the engine-neutral interface (see ``referral_service.db``)."""

    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection, *, path: str, read_only: bool = False):
        super().__init__(conn)
        self.path = path
        self.read_only = read_only

    def execute(self, sql: str, parameters=None):  # noqa: D102 - sqlite-utils' own, with our errors
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as error:
            raise self._translated(error) from error

    def executemany(self, sql: str, rows):
        """Run one statement for many parameter rows (a bulk insert)."""
        try:
            return self.conn.executemany(sql, rows)
        except sqlite3.Error as error:
            raise self._translated(error) from error

    def _translated(self, error: sqlite3.Error) -> BaseException:
        mapped = storage_error(error)
        if isinstance(mapped, ReadOnly) and not self.read_only:
            repair_sidecars(self.path)  # so that the next connection can write again
        return mapped or error

    @contextlib.contextmanager
    def transaction(self, *, exclusive: bool = True, key: str | None = None) -> Iterator[SqliteDatabase]:
        """One transaction: BEGIN IMMEDIATE … COMMIT, or a savepoint inside the caller's; rolled back on error.

        IMMEDIATE takes the write lock up front, so two writers never deadlock upgrading a read lock;
        the busy timeout then makes the second one wait its turn (``exclusive`` and ``key`` change nothing
        here: SQLite has one writer at a time anyway).
        """
        del exclusive, key
        conn = self.conn
        if conn.in_transaction:
            name = f"sp_{next(_savepoints)}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield self
            except BaseException:
                if conn.in_transaction:
                    conn.execute(f"ROLLBACK TO {name}")
                    conn.execute(f"RELEASE {name}")
                raise
            else:
                if conn.in_transaction:
                    conn.execute(f"RELEASE {name}")
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise self._translated(error) from error
        try:
            yield self
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            if conn.in_transaction:
                try:
                    conn.execute("COMMIT")
                except sqlite3.Error as error:
                    conn.execute("ROLLBACK")
                    raise self._translated(error) from error

    def writes_work(self) -> bool:
        """Whether a write could be made now (takes and drops the write lock; writes nothing)."""
        if self.read_only:
            return False
        repair_sidecars(self.path)
        if self.path != ":memory:":
            # SQLite only finds out at COMMIT that a read-only file cannot take the write, so look first.
            path = Path(self.path)
            files = [path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))]
            if not os.access(path.parent, os.W_OK) or any(f.exists() and not os.access(f, os.W_OK) for f in files):
                return False
        conn = self.conn
        if conn.in_transaction:
            return True
        timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        conn.execute("PRAGMA busy_timeout = 250")
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return True
        except sqlite3.Error as error:
            # Busy: another writer holds the lock, so writes are working.
            return isinstance(storage_error(error), StorageBusy)
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")

    @contextlib.contextmanager
    def migration_lock(self) -> Iterator[None]:
        """Hold a lock file beside the database while migrating: workers starting together take turns."""
        if self.path == ":memory:":
            yield
            return
        lock_path = Path(self.path).with_name(Path(self.path).name + "-migrate.lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def close(self) -> None:
        """Close the connection (an open transaction is rolled back)."""
        self.conn.close()


def connect(path: str | Path, *, busy_timeout_ms: int, read_only: bool = False,
            max_size_mb: float | None = None) -> SqliteDatabase:
    """Open the database file with the settings every connection needs.

    ``read_only`` opens it so that any write fails (a maintenance window: the service still answers
    eligibility and reads); ``max_size_mb`` caps the file (a write past it fails as "disk full").
    """
    path = Path(path)
    memory = str(path) == ":memory:"
    if not memory and not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            # Created owner-only before SQLite opens it (SQLite gives the sidecars the same mode).
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE))
        repair_sidecars(path)
    target, uri = (f"file:{path}?mode=ro", True) if read_only else (str(path), False)
    try:
        conn = sqlite3.connect(target, timeout=busy_timeout_ms / 1000, check_same_thread=False, uri=uri)
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if max_size_mb:
            page_size = conn.execute("PRAGMA page_size").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {int(max_size_mb * 1024 * 1024 // page_size)}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        if not memory and not read_only and conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = wal")
    except sqlite3.Error as error:
        raise storage_error(error) or error from error
    return SqliteDatabase(conn, path=str(path), read_only=read_only)
