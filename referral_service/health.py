"""GET /healthz — whether this instance can serve: rules loaded, database answering, writes working.

- 200 ``{"status": "ok", "writes": true, …}``: all well.
- 503 ``{"status": "degraded", "writes": false}``: the database answers reads but refuses writes when it
  should not (a read-only file, a standby PostgreSQL): referrals would fail, so a load balancer should
  send people elsewhere. The SQLite engine repairs a read-only ``-shm`` left behind by a read-only spell
  as soon as the file is writable again, so this clears by itself.
- 200 ``{"status": "read_only", "writes": false}``: read-only maintenance was asked for
  (``DATABASE_READ_ONLY=true``): eligibility and reads are what this instance is meant to serve.
- 503 ``{"status": "unavailable"}``: the database does not answer at all.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify

from rules import default_engine

from .db import get_db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    ruleset = default_engine().ruleset
    try:
        db = get_db()
        db.execute("select 1").fetchone()
        writes = db.writes_work()
    except Exception as error:  # noqa: BLE001 - any database failure means "cannot serve"
        log.error("healthz_database_unavailable", extra={"error_type": type(error).__name__})
        body = {"status": "unavailable", "database": "unavailable", "writes": False}
        return jsonify(body), 503, {"Retry-After": "5"}
    body = {"status": "ok", "writes": writes, "ruleset_version": ruleset.version, "ruleset_hash": ruleset.content_hash}
    if writes:
        return jsonify(body)
    if current_app.config.get("DATABASE_READ_ONLY"):
        return jsonify({**body, "status": "read_only"})
    log.warning("healthz_writes_failing")
    return jsonify({**body, "status": "degraded"}), 503, {"Retry-After": "30"}
