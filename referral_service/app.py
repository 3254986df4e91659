"""The Flask app factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from rules import default_engine

from . import api, db, errors, extensions, logs, retention, schema, security, staff
from .config import from_environment
from .cookie_session import CookieSessionInterface
from .environment import refuse_default_secrets

log = logging.getLogger(__name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides settings read from the environment (tests use this).

    On a fresh DATABASE_PATH it creates the schema by itself; the service directory is the YAML
    under rules/services, loaded with the rules.
    """
    app = Flask(__name__)
    app.session_interface = CookieSessionInterface()
    app.config.update(from_environment())
    app.config.update(config or {})
    # Outside development, no default or published secret: refuse before touching anything (environment.py).
    refuse_default_secrets(app.config)
    app.json.sort_keys = False
    logs.configure(app.config["LOG_LEVEL"])
    default_engine()  # load and check the rules once, at start: a bad rules file stops the service

    db.init_app(app)
    schema.init_app(app)
    extensions.init_app(app)
    security.init_app(app)
    retention.init_app(app)
    smorest = api.init_app(app)
    _register_blueprints(app, smorest)
    _register_commands(app)
    staff.init_app(app)
    # After flask-smorest, whose own handlers would otherwise answer in a different shape.
    errors.register_error_handlers(app)
    log.info("app_created", extra={"ruleset_version": default_engine().ruleset.version})
    return app


def _register_commands(app: Flask) -> None:
    """Each feature adds its commands to ``app.cli`` (the ``referral-service`` CLI runs inside this app)."""
    from . import auth
    from .exports import mhsds
    from .sms import cli as sms_cli

    auth.init_app(app)
    mhsds.init_app(app)
    sms_cli.init_app(app)


def _register_blueprints(app: Flask, smorest) -> None:
    from . import health
    from .chat.pages import bp as chat_page
    from .chat.routes import blp as bot
    from .chat.self_referral import bp as self_referral_page
    from .consents.routes import blp as consents
    from .eligibility.routes import blp as eligibility
    from .pages.check import bp as check_page
    from .referrals.outcome_routes import blp as referral_outcomes
    from .referrals.routes import blp as referrals
    from .reports.routes import blp as reports
    from .safety.routes import blp as safety_events
    from .services.routes import blp as services
    from .sms.pages import bp as sms_pages
    from .sms.routes import blp as campaigns
    from .sms.webhooks import blp as sms_webhooks
    from .tools.pages import bp as tools_pages
    from .tools.routes import blp as tools

    app.register_blueprint(health.bp)
    app.register_blueprint(check_page)
    app.register_blueprint(self_referral_page)
    app.register_blueprint(chat_page)
    smorest.register_blueprint(bot)
    smorest.register_blueprint(eligibility)
    smorest.register_blueprint(referrals)
    smorest.register_blueprint(referral_outcomes)
    smorest.register_blueprint(tools)
    smorest.register_blueprint(services)
    app.register_blueprint(tools_pages)
    smorest.register_blueprint(consents)
    smorest.register_blueprint(reports)
    smorest.register_blueprint(campaigns)
    smorest.register_blueprint(sms_webhooks)
    smorest.register_blueprint(safety_events)
    app.register_blueprint(sms_pages)
