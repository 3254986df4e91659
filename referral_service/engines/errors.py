"""Storage errors of our own, raised by the database layer whatever the engine.

The web layer maps them to clear 503s in ``referral_service.errors`` (nothing half-written: every write
is one transaction, rolled back on error, so a client may retry with the same Idempotency-Key).
"""

from __future__ import annotations


class StorageError(Exception):
    """The database could not do what was asked, for a reason that is not the caller's fault."""


class StorageBusy(StorageError):
    """Another writer held the lock longer than the busy timeout (or no pooled connection was free)."""


class StorageFull(StorageError):
    """The disk, or the configured size cap (``DATABASE_MAX_SIZE_MB``), is full."""


class ReadOnly(StorageError):
    """Writes are refused: read-only maintenance mode, a read-only file, or a standby PostgreSQL."""


class StorageUnavailable(StorageError):
    """The database cannot be reached at all (PostgreSQL down, connection lost)."""
