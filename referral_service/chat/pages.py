"""The web chat page at / and its static files: pages, not API, so a plain Flask blueprint and not
in /openapi.json (the REST channel and the tracker, in routes.py, are).

``POST /chat/history`` gives the page back what the person has seen in this conversation, so a
reload shows it again instead of starting over. The random sender id the page keeps in
sessionStorage is the key: it is sent in the body (never in a URL, so it is not in access logs).
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify, render_template, request

from ..db import get_db
from ..errors import ValidationFailed
from ..extensions import limiter, public_limit
from ..storage import conversations

bp = Blueprint("chat_page", __name__, template_folder="templates", static_folder="static",
               static_url_path="/chat/static")
_SENDER = re.compile(r"^[A-Za-z0-9_.:\-]{1,100}$")
HISTORY_LIMIT = 200


@bp.route("/", methods=["GET"])
def index():
    """The web chat page (HTML)."""
    return render_template("chat/index.html")


@bp.route("/chat/history", methods=["POST"])
@limiter.limit(public_limit("bot"))
def history():
    """``{"sender": id}`` -> ``{"messages": [{"who": "bot"|"user", "text", "buttons"?, "custom"?}]}``."""
    body = request.get_json(silent=True)
    sender = body.get("sender") if isinstance(body, dict) else None
    if not isinstance(sender, str) or not _SENDER.match(sender):
        raise ValidationFailed(fields={"sender": ["Use 1-100 letters, digits, '_', '.', ':' or '-'."]})
    ttl = float(current_app.config.get("BOT_CONVERSATION_TTL_SECONDS", conversations.DEFAULT_TTL_SECONDS))
    tracker = conversations.load(get_db(), sender, ttl) or {}
    messages = list(tracker.get("transcript") or [])[-HISTORY_LIMIT:]
    response = jsonify({"messages": messages})
    response.headers["Cache-Control"] = "no-store"
    return response
