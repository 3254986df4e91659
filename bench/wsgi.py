"""The app for HTTP benchmarks: the real app plus two same-server baselines.

- ``/bench/empty``: an empty JSON endpoint inside the real app (its hooks, headers and limiter included).
- ``/bench/json``: a plain Flask endpoint inside the real app that parses the posted JSON and answers a small
  JSON object (no validation, no OpenAPI layer): the baseline for the eligibility request path.
- ``/bare/json``: a bare Flask app, mounted beside the real one in the same WSGI server, that parses the
  posted JSON and answers a small JSON object: what any Flask endpoint taking the same body costs.

The rate limiter follows RATELIMIT_ENABLED from the environment (off unless set), so a benchmark can run
it on but with limits too high to bite.
"""

import os

from flask import Flask, jsonify, request
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from referral_service import create_app

app = create_app({"RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "false").lower() == "true",
                  "LOG_LEVEL": "WARNING"})


@app.post("/bench/empty")
def empty():
    return jsonify({})


@app.post("/bench/json")
def plain_json():
    data = request.get_json()
    return jsonify({"received": len(data)})


bare = Flask("bare")


@bare.post("/json")
def bare_json():
    data = request.get_json()
    return jsonify({"received": len(data)})


app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/bare": bare})
