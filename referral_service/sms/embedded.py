"""The embedded default for ``serve``: the dispatcher in a thread (once per process), and, when no real
Twilio account is configured, the local SMS sandbox on its own port so that ``make run`` works as is."""

from __future__ import annotations

import logging
import os
import socket
import threading

from flask import Flask
from werkzeug.serving import make_server

from ..environment import require_development
from .dispatcher import Dispatcher
from .sandbox import create_sandbox_app

log = logging.getLogger(__name__)
PLACEHOLDER_ACCOUNT = "AC" + "0" * 32
_started = threading.Lock()
_running: dict[str, object] = {}


def twilio_configured(config: dict) -> bool:
    return bool(config.get("TWILIO_API_URL")) or config.get("TWILIO_ACCOUNT_SID") != PLACEHOLDER_ACCOUNT


def start_sandbox(config: dict, host: str, port: int) -> str:
    """Run the sandbox on ``host:port`` in a daemon thread; return its base URL. Development only: its auth token
    is published, so anyone could sign texts and delivery reports as "Twilio" (RuntimeError otherwise)."""
    require_development(config, "SMS sandbox")
    sandbox = create_sandbox_app(account_sid=config["TWILIO_ACCOUNT_SID"], auth_token=config["TWILIO_AUTH_TOKEN"],
                                 inbound_url=config["PUBLIC_BASE_URL"].rstrip("/") + "/sms/inbound")
    server = make_server(host, port, sandbox, threaded=True)
    threading.Thread(target=server.serve_forever, name="sms-sandbox", daemon=True).start()
    _running["sandbox"] = server
    return f"http://{host}:{server.server_port}"


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def start_in_process(app: Flask, host: str = "127.0.0.1") -> dict[str, str]:
    """Start the sandbox (if no Twilio is configured) and the dispatcher thread, once per process.

    Off in tests unless asked (``SMS_DISPATCHER=in-process``), and off with ``SMS_DISPATCHER=off``
    (run ``referral-service dispatch`` as its own process instead).
    """
    config = app.config
    mode = (config.get("SMS_DISPATCHER") or os.environ.get("SMS_DISPATCHER")
            or ("off" if config.get("TESTING") else "in-process"))
    started: dict[str, str] = {}
    if mode != "in-process" or not _started.acquire(blocking=False):
        return started
    if not twilio_configured(config):
        chosen = config.get("SMS_SANDBOX_PORT") or os.environ.get("SMS_SANDBOX_PORT")
        port = int(chosen or config["PORT"] + 1)
        if not chosen and not _port_free(host, port):
            # The default (PORT+1) is taken, e.g. by another copy of the service: any free port will do.
            # (A port asked for by name is used as asked, and werkzeug says so if it is taken.)
            port = 0
        url = start_sandbox(config, host, port)
        config["TWILIO_API_URL"] = url
        started["sandbox"] = url
    dispatcher = Dispatcher(dict(config))
    thread = threading.Thread(target=dispatcher.run, kwargs={"max_wait_for_lease": float("inf")},
                              name="sms-dispatcher", daemon=True)
    thread.start()
    _running["dispatcher"] = dispatcher
    started["dispatcher"] = "in-process"
    log.info("sms_embedded_started", extra={"sandbox": "sandbox" in started})
    return started
