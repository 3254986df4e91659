"""CONTRACT.md "Scale-out": several `referral-service dispatch` processes at once against one database (the
PostgreSQL of DATABASE_URL when the suite runs there, else the SQLite file), one killed with SIGKILL part-way
and replaced: each phone is still texted exactly once (counted in the Twilio double's own log)."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import threading
import urllib.request
from collections import Counter

import pytest
from werkzeug.serving import make_server

from referral_service.sms.sandbox import create_sandbox_app

from ..processes import wait_until
from .conftest import SHEFFIELD_SMI, cli, token
from .test_running_it import console_script
from .test_sms import HEADER, person

PHONES = [f"+447700900{n}" for n in range(100, 220)]


@pytest.fixture
def sandbox(app):
    fake = create_sandbox_app(account_sid=app.config["TWILIO_ACCOUNT_SID"], auth_token=app.config["TWILIO_AUTH_TOKEN"],
                              inbound_url="http://127.0.0.1:9/sms/inbound", callback_delay=0.0)
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def sandbox_log(url: str) -> list[dict]:
    with urllib.request.urlopen(f"{url}/_sandbox/messages.json", timeout=30) as response:
        return json.load(response)["messages"]


def test_three_dispatchers_one_killed_text_each_phone_exactly_once(app, client, tmp_path, sandbox):
    path = tmp_path / "many.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(person(f"P{n}", phone) for n, phone in enumerate(PHONES))
    assert cli(app, ["contacts", "import", "--service", SHEFFIELD_SMI, str(path)]).exit_code == 0
    headers = token(app, "service", SHEFFIELD_SMI)
    created = client.post("/api/v1/campaigns", headers=headers, json={
        "service_id": SHEFFIELD_SMI, "name": "Scale-out", "template": "Hi {first_name}, {service_name}: {link}",
        "audience": {"pathway": "ips_smi"}})
    campaign_id = created.get_json()["id"]
    assert client.post(f"/api/v1/campaigns/{campaign_id}/send", headers=headers).status_code == 202

    env = {**os.environ, "DATABASE_PATH": app.config["DATABASE_PATH"], "TWILIO_API_URL": sandbox,
           "TWILIO_ACCOUNT_SID": app.config["TWILIO_ACCOUNT_SID"], "TWILIO_AUTH_TOKEN": app.config["TWILIO_AUTH_TOKEN"],
           "SMS_SEND_WINDOW": "always", "SMS_RATE_PER_SECOND": "40", "PUBLIC_BASE_URL": "http://127.0.0.1:9",
           "ENVIRONMENT": "development", "BOT_AUTH_TOKEN": "acceptance-bot-token-123456"}
    logs = [tmp_path / f"dispatch-{n}.log" for n in range(4)]

    def start(n):
        with open(logs[n], "wb") as out:
            return subprocess.Popen([*console_script(), "dispatch", "--until-idle"], env=env, stdout=out,
                                    stderr=subprocess.STDOUT, cwd=tmp_path, start_new_session=True)

    running = [start(n) for n in range(3)]
    try:
        wait_until(lambda: len(sandbox_log(sandbox)) >= 20 or running[0].poll() is not None, what="first texts")
        if running[0].poll() is None:
            os.killpg(running[0].pid, signal.SIGKILL)
        running[0].wait(timeout=60)
        running.append(start(3))
        for n, process in enumerate(running[1:], start=1):
            wait_until(lambda p=process: p.poll() is not None, what=f"dispatcher {n}", timeout=400)
            assert process.returncode == 0, logs[n if n < 3 else 3].read_text()[-2000:]
    finally:
        for process in running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    texted = Counter(m["to"] for m in sandbox_log(sandbox))
    assert set(texted) == set(PHONES), f"never texted: {sorted(set(PHONES) - set(texted))[:5]}"
    assert [p for p, n in texted.items() if n > 1] == [], "texted more than once"
    counts = client.get(f"/api/v1/campaigns/{campaign_id}", headers=headers).get_json()["counts"]
    assert counts["sent"] + counts["delivered"] == len(PHONES), counts
