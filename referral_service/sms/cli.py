"""SMS commands: ``contacts import``, ``dispatch`` and ``sms-sandbox``."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app

from rules import default_engine

from ..db import get_db


@click.group("contacts")
def contacts_cli() -> None:
    """Import the people a service may text (with their SMS consent)."""


@contacts_cli.command("import")
@click.option("--service", "service_id", required=True, help="The service (or area) the contacts belong to.")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write invalid rows (default: imports/FILE.rejects.csv in the data directory, owner-only).")
@click.argument("file", type=click.Path(path_type=Path))
def import_command(service_id: str, rejects_path: Path | None, file: Path) -> None:
    """Import FILE.csv for a service. Exits 0 unless the file cannot be read; a re-import changes nothing."""
    from tqdm import tqdm

    from .contacts_import import UnreadableFile, count_rows, import_contacts
    from .routes import owner_kind

    if owner_kind(service_id) is None:
        known = ", ".join(s.id for s in default_engine().ruleset.directory.services)
        raise click.BadParameter(f"unknown service {service_id!r} (known: {known})", param_hint="--service")
    db = get_db()
    started = time.perf_counter()
    with tqdm(total=count_rows(file), unit="row", desc="Importing", file=sys.stderr, disable=None) as bar:
        try:
            summary = import_contacts(db, service_id, file, rejects_path=rejects_path, progress=bar.update)
        except UnreadableFile as error:
            raise click.ClickException(str(error)) from None
    seconds = time.perf_counter() - started
    click.echo(f"Read {summary.rows} rows in {seconds:.1f}s ({summary.rows / seconds if seconds else 0:,.0f} rows/s).")
    click.echo(f"Imported {summary.imported} new, updated {summary.updated}, unchanged {summary.unchanged}; "
               f"{summary.consents_recorded} consent records added.")
    click.echo(f"Rejected {summary.rejected_count} rows.")
    for reason, rows in sorted(summary.rejected.items()):
        shown = ", ".join(map(str, rows[:20])) + (" …" if len(rows) > 20 else "")
        note = " (kept as invalid_mobile: never texted)" if reason == "invalid_mobile" else ""
        click.echo(f"  {reason}: {len(rows)} (rows {shown}){note}")
    if summary.rejects_path:
        click.echo(f"Invalid rows written to {summary.rejects_path}")


@click.command("dispatch")
@click.option("--until-idle", is_flag=True, help="Stop when nothing is queued (otherwise run until stopped).")
def dispatch_command(until_idle: bool) -> None:
    """Send queued campaign texts (run as many as you like against one PostgreSQL; safe to kill and restart)."""
    from .dispatcher import Dispatcher

    dispatcher = Dispatcher(dict(current_app.config))
    # docker stop / a process manager sends SIGTERM: finish the texts in flight, give back unsent claims, sign off.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: dispatcher.stop())
    try:
        sent = dispatcher.run(until_idle=until_idle, max_wait_for_lease=float("inf") if not until_idle else 60.0)
    except KeyboardInterrupt:
        dispatcher.stop()
        sent = dispatcher.sent
    click.echo(f"Dispatcher stopped; {sent} texts sent.")


@click.command("sms-sandbox")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5001, show_default=True)
def sandbox_command(host: str, port: int) -> None:
    """Run the local SMS sandbox (a stand-in for Twilio's Messages API, with phones you can reply from)."""
    from werkzeug.serving import run_simple

    from ..environment import is_development
    from .sandbox import create_sandbox_app

    config = current_app.config
    if not is_development(config):
        raise click.ClickException("The SMS sandbox runs in development only (ENVIRONMENT=development): its auth "
                                   "token is published, so it must never stand in for Twilio where others can reach it.")
    sandbox = create_sandbox_app(account_sid=config["TWILIO_ACCOUNT_SID"], auth_token=config["TWILIO_AUTH_TOKEN"],
                                 inbound_url=config["PUBLIC_BASE_URL"].rstrip("/") + "/sms/inbound")
    click.echo(f"SMS sandbox on http://{host}:{port}/  (set TWILIO_API_URL=http://{host}:{port})")
    run_simple(host, port, sandbox, threaded=True, use_reloader=False)


COMMANDS = (contacts_cli, dispatch_command, sandbox_command)


def init_app(app: Flask) -> None:
    """Register the SMS commands (``contacts import``, ``dispatch``, ``sms-sandbox``) on the app's CLI."""
    for command in COMMANDS:
        app.cli.add_command(command)
