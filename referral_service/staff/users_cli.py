"""``referral-service users create --email E --role R [--service ID]``: a staff account for the web pages.

The password is read from standard input (one line), so it never appears in the shell history or
the process list: ``printf '%s\\n' "$PASSWORD" | referral-service users create …``. An account may
also be made without a password (``--no-password``) for people who only use single sign-on.
"""

from __future__ import annotations

import sys

import click
from flask import current_app

from ..storage import users
from . import passwords


def _app_db():
    """The app's database: the app the CLI is running under (Flask's CLI), else a new one."""
    from ..db import connect_for

    try:
        app = current_app._get_current_object()
    except RuntimeError:
        from flask.cli import ScriptInfo

        info = click.get_current_context().find_object(ScriptInfo)
        if info is not None and info.create_app is not None:
            app = info.load_app()
        else:
            from ..app import create_app

            app = create_app()
    return app, connect_for(app)


@click.group("users")
def users_cli() -> None:
    """Staff accounts for the web pages (sign-in at /sign-in)."""


@users_cli.command("create")
@click.option("--email", required=True, help="The member of staff's work email (their sign-in name).")
@click.option("--role", type=click.Choice(users.ROLES), required=True)
@click.option("--service", "service_id", default=None, help="The service id (required for --role service).")
@click.option("--no-password", is_flag=True, help="Single sign-on only: no password is read or set.")
def create_command(email: str, role: str, service_id: str | None, no_password: bool) -> None:
    """Create an account; the password is read from standard input (one line)."""
    from rules import default_engine

    from ..db import write_transaction

    if service_id and default_engine().ruleset.directory.service(service_id) is None:
        raise click.BadParameter(f"unknown service {service_id!r}", param_hint="--service")
    password_hash = None
    if not no_password:
        if sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password = sys.stdin.readline().rstrip("\r\n")
        problem = passwords.password_problem(password)
        if problem:
            raise click.UsageError(problem)
        password_hash = passwords.hash_password(password)
    _, db = _app_db()
    try:
        with write_transaction(db):
            user = users.create_user(db, email, role, service_id, password_hash)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    finally:
        db.conn.close()
    where = f" for {service_id}" if user["service_id"] else ""
    click.echo(f"Created {role} account {user['id']} ({user['email']}){where}. Sign in at /sign-in.")




@users_cli.command("list")
def list_command() -> None:
    """List accounts (never their password hashes)."""
    _, db = _app_db()
    try:
        for row in users.list_users(db):
            state = f"disabled {row['disabled_at']}" if row["disabled_at"] else "active"
            click.echo(f"{row['id']}\t{row['email']}\t{row['role']}\t{row['service_id'] or '-'}\t{state}")
    finally:
        db.conn.close()


@users_cli.command("set-password")
@click.option("--email", required=True)
def set_password_command(email: str) -> None:
    """Set a new password (read from standard input, one line); the account's other sessions end."""
    from ..db import write_transaction

    password = sys.stdin.readline().rstrip("\r\n") if not sys.stdin.isatty() else click.prompt(
        "New password", hide_input=True, confirmation_prompt=True)
    problem = passwords.password_problem(password)
    if problem:
        raise click.UsageError(problem)
    _, db = _app_db()
    try:
        account = users.find_by_email(db, email)
        if account is None:
            raise click.ClickException(f"No account for {email}")
        with write_transaction(db):
            users.set_password_hash(db, account["id"], passwords.hash_password(password))
            users.end_sessions_of(db, account["id"])
    finally:
        db.conn.close()
    click.echo(f"Password changed for {account['email']}; their sessions have ended.")


@users_cli.command("disable")
@click.option("--email", required=True)
def disable_command(email: str) -> None:
    """Disable an account: it can no longer sign in, and its sessions end at once."""
    from ..db import write_transaction

    _, db = _app_db()
    try:
        account = users.find_by_email(db, email)
        if account is None:
            raise click.ClickException(f"No account for {email}")
        with write_transaction(db):
            users.disable_user(db, account["id"])
            users.end_sessions_of(db, account["id"])
    finally:
        db.conn.close()
    click.echo(f"Disabled {account['email']}.")
