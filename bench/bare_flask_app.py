"""The start-up baseline for bench/startup.py: a bare Flask app with one /healthz route, served the way
``referral-service serve`` serves (werkzeug, threaded).

    python -m bench.bare_flask_app PORT
"""

from __future__ import annotations

import sys

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True, use_reloader=False)
