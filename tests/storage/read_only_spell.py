"""Run as a user the file permissions apply to (not root): a database file read-only for a while, then
writable again. Prints what /healthz and a write said at each step, as JSON (tests/storage reads it)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from referral_service import create_app
from referral_service.db import connect_for
from referral_service.storage import tokens


def main(directory: str) -> None:
    path = Path(directory) / "referral-service.db"
    config = {"TESTING": True, "DATABASE_PATH": str(path), "BOT_AUTH_TOKEN": "t", "RATELIMIT_ENABLED": False}
    steps = {}

    def probe(name: str, app) -> None:
        response = app.test_client().get("/healthz")
        body = response.get_json()
        steps[name] = {"status_code": response.status_code, "status": body["status"], "writes": body.get("writes")}
        try:
            db = connect_for(app)
            try:
                tokens.create_token(db, "admin", label=name)
            finally:
                db.close()
            steps[name]["write"] = "ok"
        except Exception as error:  # noqa: BLE001 - the step reports what happened
            steps[name]["write"] = type(error).__name__

    app = create_app(config)
    probe("writable", app)
    os.chmod(path, 0o444)  # e.g. a restore, or an operator's chmod: a reader opens it meanwhile
    probe("read_only_file", app)
    os.chmod(path, 0o644)
    probe("writable_again", app)
    probe("after_restart", create_app(config))
    print(json.dumps(steps))


if __name__ == "__main__":
    main(sys.argv[1])
