"""Bearer-token access control (CONTRACT.md): ``Authorization: Bearer <token>``.

    @require_role("service", "admin")
    def view(): principal = current_principal()

401 without a valid token, 403 when the role does not allow it. A service token sees only its own
service's records: check ``principal.may_see_service(record_service_id)`` and answer 404 for
another service's record (so that its existence is not revealed).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import click
from flask import Flask, current_app, request

from .db import get_db
from .errors import Forbidden, Unauthorized
from .storage import tokens
from .storage.tokens import Principal


def _presented_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def optional_principal() -> Principal | None:
    """The caller's principal if a valid token was presented; None if none was. A bad token is a 401."""
    # Cached per request (in its WSGI environ, not in g): under pytest-flask one app context, and so
    # one g, spans every request a test makes.
    cache = request.environ
    if "referral_service.principal" not in cache:
        secret = _presented_token()
        if secret is None:
            cache["referral_service.principal"] = None
        else:
            principal = tokens.find_principal(get_db(), secret)
            if principal is None:
                raise Unauthorized("The token is not valid or has been revoked.")
            cache["referral_service.principal"] = principal
    return cache["referral_service.principal"]


def current_principal() -> Principal:
    """The caller's principal; 401 if no valid token was presented."""
    principal = optional_principal()
    if principal is None:
        raise Unauthorized()
    return principal


def require_role(*roles: str) -> Callable:
    """Decorator: the caller must present a valid token with one of ``roles``."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal.role not in roles:
                raise Forbidden(f"This needs a {' or '.join(roles)} token.")
            return view(*args, **kwargs)

        return wrapper

    return decorator


@click.group("tokens")
def tokens_cli() -> None:
    """Create, list and revoke API tokens."""


def init_app(app: Flask) -> None:
    """Register the ``tokens`` commands (they run on the app's database, with its settings)."""
    app.cli.add_command(tokens_cli)


@tokens_cli.command("create")
@click.option("--role", type=click.Choice(tokens.ROLES), required=True)
@click.option("--service", "service_id", default=None, help="The service id (required for --role service).")
@click.option("--label", default="", help="Who or what the token is for.")
def create_command(role: str, service_id: str | None, label: str) -> None:
    """Create a token; the token itself is printed on the last line (it is not stored)."""
    from rules import default_engine

    if service_id and default_engine().ruleset.directory.service(service_id) is None:
        raise click.BadParameter(f"unknown service {service_id!r}", param_hint="--service")
    try:
        token_id, secret = tokens.create_token(get_db(), role, service_id, label)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"Created {role} token {token_id}" + (f" for {service_id}" if service_id else "") + ". Keep it secret:")
    click.echo(secret)


@tokens_cli.command("list")
def list_command() -> None:
    """List tokens (never their secrets)."""
    for row in tokens.list_tokens(get_db()):
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"
        click.echo(f"{row['id']}\t{row['role']}\t{row['service_id'] or '-'}\t{state}\t{row['label']}")


@tokens_cli.command("revoke")
@click.argument("token_id")
def revoke_command(token_id: str) -> None:
    """Revoke a token by its id."""
    if not tokens.revoke_token(get_db(), token_id):
        raise click.ClickException(f"No active token {token_id}")
    click.echo(f"Revoked {token_id}")


def bot_token_ok(presented: str | None) -> bool:
    """Constant-time check of the bot auth token (for the tracker endpoint)."""
    import hmac

    expected = current_app.config.get("BOT_AUTH_TOKEN") or ""
    return bool(presented) and hmac.compare_digest(presented.encode(), expected.encode())
