"""The web chat page at / and its static files: pages, not API, so a plain Flask blueprint and not
in /openapi.json (the REST channel and the tracker, in routes.py, are)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("chat_page", __name__, template_folder="templates", static_folder="static",
               static_url_path="/chat/static")


@bp.route("/", methods=["GET"])
def index():
    """The web chat page (HTML)."""
    return render_template("chat/index.html")
