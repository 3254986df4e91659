"""End to end over real HTTP: our app and the SMS sandbox on 127.0.0.1, the official twilio client between them.

Also the crash test: a dispatcher process SIGKILLed at random points and restarted, again and again,
delivers every text exactly once (checked against the sandbox's own log).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from referral_service import create_app
from referral_service.db import connect_for
from referral_service.sms.contacts_import import import_contacts
from referral_service.sms.dispatcher import Dispatcher
from referral_service.sms.sandbox import create_sandbox_app
from referral_service.storage.tokens import create_token

from ..processes import wait_until, wait_while_progressing
from .conftest import row, write_csv

REPO = Path(__file__).resolve().parents[2]


class Servers:
    def __init__(self, tmp_path: Path):
        self.db_path = str(tmp_path / "e2e.db")
        self.app = create_app({"TESTING": True, "DATABASE_PATH": self.db_path, "RATELIMIT_ENABLED": False,
                               "SMS_SEND_WINDOW": "always", "SMS_RATE_PER_SECOND": 100})
        self.app_server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base = f"http://127.0.0.1:{self.app_server.server_port}"
        self.app.config["PUBLIC_BASE_URL"] = self.base
        sandbox = create_sandbox_app(account_sid=self.app.config["TWILIO_ACCOUNT_SID"],
                                     auth_token=self.app.config["TWILIO_AUTH_TOKEN"], inbound_url=self.base + "/sms/inbound",
                                     callback_delay=0.05)
        self.sandbox_server = make_server("127.0.0.1", 0, sandbox, threaded=True)
        self.sandbox = f"http://127.0.0.1:{self.sandbox_server.server_port}"
        self.app.config["TWILIO_API_URL"] = self.sandbox
        for server in (self.app_server, self.sandbox_server):
            threading.Thread(target=server.serve_forever, daemon=True).start()
        self.db = connect_for(self.app)
        self.headers = {"Authorization": f"Bearer {create_token(self.db, 'service', 'sheffield-ips-smi')[1]}"}

    def close(self):
        for server in (self.app_server, self.sandbox_server):
            server.shutdown()
        self.db.conn.close()

    def campaign(self, tmp_path: Path, rows: list[dict]) -> str:
        import_contacts(self.db, "sheffield-ips-smi", write_csv(tmp_path / "contacts.csv", rows))
        body = {"service_id": "sheffield-ips-smi", "name": "E2E", "template": "Hi {first_name}, {service_name}: {link}"}
        campaign = requests.post(f"{self.base}/api/v1/campaigns", json=body, headers=self.headers, timeout=10).json()
        assert requests.post(f"{self.base}/api/v1/campaigns/{campaign['id']}/send", headers=self.headers,
                             timeout=30).status_code == 202
        return campaign["id"]

    def counts(self, campaign_id: str) -> dict:
        return requests.get(f"{self.base}/api/v1/campaigns/{campaign_id}", headers=self.headers, timeout=10).json()["counts"]

    def sandbox_log(self) -> list[dict]:
        return requests.get(f"{self.sandbox}/_sandbox/messages.json", timeout=10).json()["messages"]

    def wait_for(self, predicate, what: str = "the sandbox and the app to agree", process=None, log_path=None) -> bool:
        """Wait on readiness (a generous ceiling, never a short fixed time); raise if it never comes.

        With ``process``, fail at once (with its output from ``log_path``) if that process exits first.
        """
        wait_until(predicate, what=what, process=process, log_path=log_path)
        return True

    def wait_for_deliveries(self, campaign_id: str, total: int) -> None:
        """Wait while delivery receipts keep arriving until every text is delivered (fails only on a long stall)."""
        wait_while_progressing(lambda: self.counts(campaign_id)["delivered"], total, what="delivery receipts")


@pytest.fixture
def servers(tmp_path):
    s = Servers(tmp_path)
    yield s
    s.close()


def test_send_deliver_and_stop_through_the_sandbox_with_the_real_twilio_client(servers, tmp_path):
    rows = [row(f"E{i}", f"07700 9007{i:02d}") for i in range(5)] + [row("BAD", "07700 900666")]
    campaign_id = servers.campaign(tmp_path, rows)
    sent = Dispatcher(servers.db_path, dict(servers.app.config)).run(until_idle=True)
    assert sent == 6
    expected = {"queued": 0, "sent": 0, "delivered": 5, "failed": 0, "undelivered": 1, "skipped": 0}
    assert servers.wait_for(lambda: servers.counts(campaign_id) == expected)
    log = servers.sandbox_log()
    assert sorted(m["to"] for m in log) == sorted({m["to"] for m in log}) and len(log) == 6
    assert all(f"campaign={campaign_id}" in m["body"] and "STOP" in m["body"] for m in log)

    # The phone replies STOP in the sandbox: consent is withdrawn and the person is told.
    response = requests.post(f"{servers.sandbox}/phones/+447700900700/reply", data={"Body": "Stop"}, timeout=10)
    assert response.status_code == 200
    replies = [m for m in servers.sandbox_log() if m.get("direction") == "reply"]
    assert "no more texts" in replies[-1]["body"]
    body = {"service_id": "sheffield-ips-smi", "name": "Again", "template": "{link}"}
    again = requests.post(f"{servers.base}/api/v1/campaigns", json=body, headers=servers.headers, timeout=10).json()
    preview = requests.get(f"{servers.base}/api/v1/campaigns/{again['id']}/preview", headers=servers.headers, timeout=10).json()
    # One phone withdrew; four got a promotion (frequency cap); the undelivered one may be tried again.
    assert preview["excluded"]["withdrawn"] == 1 and preview["excluded"]["frequency_cap"] == 4
    assert preview["recipients"] == 1
    report = requests.get(f"{servers.base}/api/v1/campaigns/{campaign_id}/report", headers=servers.headers, timeout=10).json()
    assert report["opt_outs"] == 1 and report["segments"] >= 6


def test_a_dispatcher_killed_at_random_points_delivers_exactly_once(servers, tmp_path):
    total = 60
    campaign_id = servers.campaign(tmp_path, [row(f"K{i}", f"07700 9008{i:02d}") for i in range(total)])
    env = {**os.environ, "DATABASE_PATH": servers.db_path, "TWILIO_API_URL": servers.sandbox,
           "PUBLIC_BASE_URL": servers.base, "SMS_SEND_WINDOW": "always", "SMS_RATE_PER_SECOND": "25",
           "PYTHONPATH": str(REPO), "LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-c", "from referral_service.cli import main; main()", "dispatch"]
    rnd = random.Random(7)
    kills, progress = 0, []
    for attempt in range(6):
        before = len(servers.sandbox_log())
        log_path = tmp_path / "dispatcher.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        if attempt % 2:
            time.sleep(rnd.uniform(0.1, 1.5))  # anywhere: start-up, lease, reconciliation, or sending
        else:  # once it is sending, at a random moment between texts or in the middle of one
            servers.wait_for(lambda before=before: len(servers.sandbox_log()) >= min(before + 1, total), "the dispatcher to send",
                             process=process, log_path=log_path)
            time.sleep(rnd.uniform(0.0, 0.3))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        kills += 1
        progress.append(len(servers.sandbox_log()))
    final = subprocess.run([*command, "--until-idle"], cwd=REPO, env=env, capture_output=True, timeout=600)
    assert final.returncode == 0, final.stderr[-2000:]
    log = servers.sandbox_log()
    to = [m["to"] for m in log]
    assert len(to) == total and len(set(to)) == total, "a phone was texted twice or missed"
    servers.wait_for_deliveries(campaign_id, total)
    assert servers.counts(campaign_id)["delivered"] == total
    assert kills == 6
    assert any(0 < n < total for n in progress), f"no kill landed mid-campaign: {progress}"


def test_sandbox_500s_and_timeouts_are_retried_with_backoff_then_failed_and_nothing_is_sent_twice(servers, tmp_path):
    """Real HTTP to the sandbox with injected faults; the clock is injected so the backoff costs no real time.

    +447700900901 always gets HTTP 500 → retried with growing backoff, then recorded as failed;
    +447700900902 times out twice (nothing created) → retried, then sent once;
    +447700900903's message is created but the answer comes after our timeout → reconciled as sent, not re-sent.
    """
    from datetime import UTC, datetime

    from referral_service.sms.dispatcher import MAX_ATTEMPTS

    from .conftest import FakeClock

    phones = ["+447700900901", "+447700900902", "+447700900903", "+447700900904"]
    campaign_id = servers.campaign(tmp_path, [row(f"F{i}", "0" + p[3:]) for i, p in enumerate(phones)])
    faults = [{"to": phones[0], "kind": "500"}, {"to": phones[1], "kind": "timeout", "seconds": 1.0, "times": 2},
              {"to": phones[2], "kind": "slow_create", "seconds": 1.0, "times": 1}]
    for fault in faults:
        requests.post(f"{servers.sandbox}/_sandbox/faults", json=fault, timeout=10).raise_for_status()
    clock = FakeClock(datetime.now(UTC))  # starts at real time: the sandbox's log is in real time
    config = {**servers.app.config, "TWILIO_TIMEOUT_SECONDS": 0.4, "SMS_RATE_PER_SECOND": 0}
    dispatcher = Dispatcher(servers.db_path, config, clock=clock)
    dispatcher.run(until_idle=True)
    rows = {r["phone_e164"]: r for r in servers.db.query("select * from sms_outbox where campaign_id = ?", [campaign_id])}
    assert rows[phones[0]]["status"] == "failed" and rows[phones[0]]["attempts"] == MAX_ATTEMPTS
    assert rows[phones[0]]["error_code"] == 20500
    started = datetime.fromisoformat(rows[phones[0]]["created_at"])
    assert (clock.now() - started).total_seconds() >= sum(2 ** n for n in range(1, MAX_ATTEMPTS))  # 2 + 4 + … s
    log = [m["to"] for m in servers.sandbox_log()]
    assert phones[0] not in log
    assert log.count(phones[1]) == 1 and log.count(phones[2]) == 1 and log.count(phones[3]) == 1
    assert {rows[p]["status"] for p in phones[1:]} <= {"sent", "delivered"}
