"""GET /healthz — 200 when the service can serve (rules loaded, database answering)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from rules import default_engine

from .db import get_db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    ruleset = default_engine().ruleset
    try:
        get_db().execute("select 1").fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "cannot serve"
        body = {"status": "unavailable", "database": "unavailable"}
        return jsonify(body), 503, {"Retry-After": "5"}
    return jsonify({"status": "ok", "ruleset_version": ruleset.version, "ruleset_hash": ruleset.content_hash})
