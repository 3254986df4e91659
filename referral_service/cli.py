"""The ``referral-service`` command line: Flask's CLI around ``create_app``.

Every command runs inside the one app the CLI builds, with its settings (``DATABASE_URL`` or
``DATABASE_PATH``, read-only mode, size cap): a feature registers its commands in its own
``init_app`` with ``app.cli.add_command`` (``tokens``, ``contacts``, ``dispatch``, ``init-db`` …), so
``app.test_cli_runner()`` reaches them too. Nothing below ``app.py`` imports it.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import FlaskGroup

from .app import create_app
from .db import StorageError

_STORAGE_MESSAGES = {
    "ReadOnly": "The database is read-only (DATABASE_READ_ONLY, a read-only file or a standby): nothing was changed.",
    "StorageFull": "The database is full (DATABASE_MAX_SIZE_MB or the disk): nothing was changed.",
    "StorageBusy": "The database stayed busy past DATABASE_BUSY_TIMEOUT_MS: nothing was changed; try again.",
    "StorageUnavailable": "The database cannot be reached (DATABASE_URL): nothing was changed.",
}


class ReferralServiceGroup(FlaskGroup):
    """Flask's CLI group; a storage error ends the command with a plain message instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except StorageError as error:
            raise click.ClickException(_STORAGE_MESSAGES.get(type(error).__name__, "The database refused.")) from None


main = ReferralServiceGroup(
    name="referral-service",
    help="NHS employment support referral and eligibility service.",
    create_app=create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
)
# The app is always ours and configured from the environment: Flask's --app, --env-file and --debug do not apply.
main.params = [p for p in main.params if p.name not in {"app", "env_file", "debug"}]


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Defaults to $PORT or 5000.")
def serve(host: str, port: int | None) -> None:
    """Run the service (web chat, API, docs) with the embedded defaults."""
    app = current_app._get_current_object()
    port = port or app.config["PORT"]
    click.echo(f"Serving on http://{host}:{port}/  (API docs: /docs, clinician check: /check)")
    from .sms.embedded import start_in_process

    for what, where in start_in_process(app, host).items():
        click.echo(f"SMS {what}: {where}" + ("  (see what the phones received, reply STOP)" if what == "sandbox" else ""))
    # Not app.run(): under the Flask CLI (FlaskGroup) it refuses to block and returns at once.
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False)


def register(command: click.Command) -> None:
    """Add a command to the group itself (for features that do not yet register in their ``init_app``)."""
    main.add_command(command)




if __name__ == "__main__":
    main()
