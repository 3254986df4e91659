"""The ``referral-service`` command line (click)."""

from __future__ import annotations

import click

from .app import create_app


@click.group()
def main() -> None:
    """NHS employment support referral and eligibility service."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Defaults to $PORT or 5000.")
def serve(host: str, port: int | None) -> None:
    """Run the service (web chat, API, docs) with the embedded defaults."""
    app = create_app()
    port = port or app.config["PORT"]
    click.echo(f"Serving on http://{host}:{port}/  (API docs: /docs, clinician check: /check)")
    from .sms.embedded import start_in_process

    for what, where in start_in_process(app, host).items():
        click.echo(f"SMS {what}: {where}" + ("  (see what the phones received, reply STOP)" if what == "sandbox" else ""))
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@main.command("init-db")
def init_db() -> None:
    """Create the database schema (also done at every start)."""
    app = create_app()
    click.echo(f"Database ready at {app.config['DATABASE_PATH']}")


def register(command: click.Command) -> None:
    """Let a feature add its commands (tokens, contacts, dispatch, purge) to the group."""
    main.add_command(command)


def _register_feature_commands() -> None:
    from .auth import tokens_cli
    from .retention import purge_command
    from .sms.cli import COMMANDS as sms_commands
    from .staff.users_cli import users_cli

    for command in (tokens_cli, purge_command, *sms_commands, users_cli):
        register(command)


_register_feature_commands()


if __name__ == "__main__":
    main()
