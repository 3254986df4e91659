"""The staff web app: sign-in, the service's inbox and referral pages, campaigns and reports as pages.

``init_app`` sets up what every staff page needs (settings, the NHS.UK frontend's Jinja macros, CSRF
tokens, no caching of pages with personal data) and registers the blueprints.
"""

from __future__ import annotations

from flask import Flask, Response, request
from jinja2 import ChainableUndefined, ChoiceLoader, PackageLoader

from . import csrf, labels, sessions, settings

# Paths of pages that show people's details: never cached by the browser or a proxy.
PRIVATE_PREFIXES = ("/sign-in", "/inbox", "/referrals/", "/my-referrals", "/campaigns", "/reports", "/safety",
                    "/check", "/team")


def navigation(user: sessions.StaffUser | None) -> list[dict]:
    """The header's menu for this member of staff (a Jinja global)."""
    path = request.path
    if user is None:
        items = [("/", "Web chat"), ("/self-referral", "Self-referral form"), ("/check", "Check eligibility (clinicians)"),
                 ("/docs", "API docs")]
    elif user.role == "clinician":
        items = [("/check", "Check eligibility"), ("/my-referrals", "My referrals"), ("/docs", "API docs")]
    else:
        items = [("/inbox", "Referrals"), ("/team", "Team"), ("/safety", "Safety"), ("/campaigns", "Text campaigns"),
                 ("/reports", "Reports"), ("/check", "Check eligibility")]
    return [{"href": href, "text": text, "current": path == href,
             "active": href != "/" and path.startswith(href) and path != href} for href, text in items]


def init_app(app: Flask) -> None:
    settings.init_app(app)
    # The NHS.UK frontend macros read nested parameters that may be absent (params.label.text), which
    # needs ChainableUndefined; our own templates are found first.
    app.jinja_env.undefined = ChainableUndefined
    app.jinja_env.loader = ChoiceLoader([app.jinja_env.loader, PackageLoader("nhsuk_frontend_jinja")])
    app.jinja_env.globals["staff_user"] = sessions.current_user
    app.jinja_env.globals["staff_navigation"] = navigation
    csrf.init_app(app)
    from .users_cli import users_cli

    app.cli.add_command(users_cli)

    @app.after_request
    def _no_store(response: Response) -> Response:
        if request.path.startswith(PRIVATE_PREFIXES):
            response.headers["Cache-Control"] = "no-store"
        return response

    labels.init_app(app)
    from .inbox import bp as inbox_bp
    from .oidc import bp as oidc_bp
    from .reports import bp as reports_bp
    from .safety import bp as safety_bp
    from .sign_in import bp as sign_in_bp
    from .team import bp as team_bp

    app.register_blueprint(sign_in_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(safety_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(oidc_bp)
    app.register_blueprint(team_bp)
