"""Every migration set, listed once, in the order they run; applied at start (``schema.init_app``).

A new storage module declares ``migrations = Migrations("name")`` and is added to this list (at the end:
an existing database records which steps ran by set and step name). Sets registered the older way
(``db.register_migrations``) would run after these.
"""

from __future__ import annotations

import click
from flask import Flask, current_app

from . import db as database
from . import migrations
from .storage import (
    audit,
    campaigns,
    consents,
    contacts,
    conversations,
    outbox,
    outcomes,
    referrals,
    safety_events,
    staff,
    tokens,
    users,
)


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
        outcomes.migrations,
        staff.migrations,
        users.migrations,
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
