"""Every migration set, listed once, in the order they run; applied at start (``schema.init_app``).

A new storage module adds its ``migrations`` here. Sets still registered the older way
(``db.register_migrations`` on import) run after these, in the order they were imported.
"""

from __future__ import annotations

import click
from flask import Flask, current_app

from . import db as database
from . import (
    migrations,
    storage,  # noqa: F401 - imports every storage module, so older-style sets are registered
)
from .storage import audit, campaigns, consents, contacts, conversations, outbox, referrals, safety_events, tokens


def migration_sets() -> list:
    """The sets to apply, in order."""
    listed = [
        audit.migrations,
        campaigns.migrations,
        consents.migrations,
        contacts.migrations,
        conversations.migrations,
        outbox.migrations,
        referrals.migrations,
        tokens.migrations,
        safety_events.migrations,
    ]
    names = {m.name for m in listed}
    return listed + [m for m in database.registered_migrations() if m.name not in names]


def migrate(db) -> list[str]:
    """Apply every pending migration to ``db``; return the ``set:step`` names applied."""
    return migrations.apply(db, migration_sets())


def pending(db) -> list[str]:
    return migrations.pending(db, migration_sets())


def _migrate_app(app: Flask) -> list[str]:
    options = {"pooled": False} if database.is_postgres_url(database.database_target(app.config)) else {}
    db = database.connect_for(app, **options)
    try:
        return migrate(db)
    finally:
        db.close()


def describe_target(config) -> str:
    """Where the data lives, for messages: a URL without its password, or the SQLite path."""
    target = database.database_target(config)
    if database.is_postgres_url(target):
        from urllib.parse import urlsplit

        parts = urlsplit(target)
        return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}"
    return str(target)


@click.command("init-db")
def init_db_command() -> None:
    """Create or update the database schema (also done at every start)."""
    app = current_app._get_current_object()
    if not app.config.get("DATABASE_READ_ONLY"):
        _migrate_app(app)  # usually nothing left: the app brought the schema up to date as it started
    db = database.connect_for(app, **({"pooled": False} if database.is_postgres_url(database.database_target(app.config))
                                      else {}))
    try:
        steps = len(migrations.applied(db))
    finally:
        db.close()
    click.echo(f"Database ready at {describe_target(app.config)} ({steps} migration steps applied).")


def init_app(app: Flask) -> None:
    """Bring the schema up to date at start (not in read-only mode: nothing may be written then)."""
    app.cli.add_command(init_db_command)
    if not app.config.get("DATABASE_READ_ONLY"):
        _migrate_app(app)
