"""Versioned migrations that run on both engines, once, under a lock.

A storage module declares its set and its steps in order::

    migrations = Migrations("referrals")

    @migrations()
    def create_referral_tables(db): db.execute("create table …")

(the same decorator as sqlite-utils' ``Migrations``, whose sets are accepted too). ``schema.py`` lists
every set once, in the order they run. ``apply`` takes the engine's migration lock (an advisory lock on
PostgreSQL, a lock file beside a SQLite database), so several workers starting on a fresh database take
turns instead of racing to create the same table; each step runs in a transaction with the record that
it ran (``_sqlite_migrations`` on SQLite, as sqlite-utils named it; ``schema_migrations`` on PostgreSQL).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

log = logging.getLogger(__name__)


class Migrations:
    """A named, ordered set of migration steps (functions taking the database)."""

    @dataclass
    class _Migration:
        name: str
        fn: Callable
        transactional: bool = True

    def __init__(self, name: str):
        self.name = name
        self._migrations: list[Migrations._Migration] = []

    def __call__(self, *, name: str | None = None, transactional: bool = True) -> Callable[[Callable], Callable]:
        """Decorator: add a step (named after the function unless ``name`` is given)."""

        def add(fn: Callable) -> Callable:
            step = name or fn.__name__
            if any(m.name == step for m in self._migrations):
                raise ValueError(f"Migration {step!r} is already in set {self.name!r}")
            self._migrations.append(self._Migration(step, fn, transactional))
            return fn

        return add

    def __repr__(self) -> str:
        return f"<Migrations {self.name!r}: {', '.join(m.name for m in self._migrations)}>"


def _table(db) -> str:
    return "_sqlite_migrations" if db.dialect == "sqlite" else "schema_migrations"


def _ensure_table(db) -> None:
    table = _table(db)
    db.execute(f"create table if not exists {table} (id integer primary key, migration_set text, name text, "
               "applied_at text)")
    db.execute(f"create unique index if not exists idx_{table.strip('_')}_set_name on {table} (migration_set, name)")
    if db.conn.in_transaction:
        db.conn.commit()


def applied(db) -> set[tuple[str, str]]:
    """(set, step) pairs already applied to this database."""
    table = _table(db)
    if table not in db.table_names():
        return set()
    return {(row[0], row[1]) for row in db.execute(f"select migration_set, name from {table}").fetchall()}


def pending(db, sets: Iterable) -> list[str]:
    """``set:step`` names not yet applied, in the order they would run."""
    done = applied(db)
    return [f"{s.name}:{m.name}" for s in sets for m in s._migrations if (s.name, m.name) not in done]


def apply(db, sets: Iterable) -> list[str]:
    """Apply every pending step of ``sets`` in order, under the migration lock; return the names applied."""
    sets = list(sets)
    names = []
    with db.migration_lock():
        _ensure_table(db)
        done = applied(db)  # read under the lock: another worker may have just finished
        for migration_set in sets:
            for step in migration_set._migrations:
                if (migration_set.name, step.name) in done:
                    continue
                if step.transactional:
                    with db.transaction():
                        step.fn(db)
                        _record(db, migration_set.name, step.name)
                else:
                    step.fn(db)
                    with db.transaction():
                        _record(db, migration_set.name, step.name)
                names.append(f"{migration_set.name}:{step.name}")
    if names:
        log.info("migrations_applied", extra={"count": len(names)})
    return names


def _record(db, set_name: str, step: str) -> None:
    db.execute(f"insert into {_table(db)} (migration_set, name, applied_at) values (?, ?, ?)",
               [set_name, step, str(datetime.now(UTC))])
