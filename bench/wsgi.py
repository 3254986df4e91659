"""The app for HTTP benchmarks: the real app plus an empty JSON endpoint as the same-server baseline."""

from flask import jsonify

from referral_service import create_app

app = create_app({"RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING"})


@app.post("/bench/empty")
def empty():
    return jsonify({})
