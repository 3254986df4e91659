"""Three ``referral-service dispatch`` processes at once against one PostgreSQL, SIGKILLed at random during a
5,000-recipient campaign and restarted: every phone is texted exactly once (CONTRACT.md "Scale-out"),
checked against the Twilio sandbox's own log, and every text is delivered.

Each dispatcher claims rows with FOR UPDATE SKIP LOCKED; the rows a killed one had claimed are taken over
and reconciled by the survivors (its process is gone from this host). Kill moments are chosen by progress
(a random number of further texts), never by a fixed sleep; every wait has a generous ceiling and fails at
once with a dispatcher's output if it exits by itself.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import check_alive, wait_until, wait_while_progressing
from tests.sms.conftest import row
from tests.sms.test_end_to_end import REPO, servers  # noqa: F401 - the fixture

TOTAL = 5000
DISPATCHERS = 3
KILLS = 9

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                reason="several dispatchers at once: runs on PostgreSQL (make test sets TEST_DATABASE_URL)")


def _start(command: list[str], env: dict, log_path: Path) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


def test_three_dispatchers_killed_at_random_during_a_5000_recipient_campaign_text_everyone_exactly_once(
        servers, tmp_path):  # noqa: F811 - pytest fixture
    assert os.environ["DATABASE_URL"].startswith("postgresql://")
    campaign_id = servers.campaign(tmp_path, [row(f"P{i}", f"07700 {i:06d}") for i in range(TOTAL)])
    assert servers.counts(campaign_id)["queued"] == TOTAL
    env = {**os.environ, "TWILIO_API_URL": servers.sandbox, "PUBLIC_BASE_URL": servers.base, "SMS_SEND_WINDOW": "always",
           "SMS_RATE_PER_SECOND": "0", "SMS_SEND_CONCURRENCY": "8", "PYTHONPATH": str(REPO), "LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-c", "from referral_service.cli import main; main()", "dispatch"]
    logs = [tmp_path / f"dispatcher-{i}.log" for i in range(DISPATCHERS)]
    running = [_start(command, env, logs[i]) for i in range(DISPATCHERS)]
    rnd = random.Random(20261201)
    sent = lambda: len(servers.sandbox_log())  # noqa: E731
    kills = []
    try:
        for _ in range(KILLS):
            target = min(sent() + rnd.randint(30, 400), TOTAL)
            wait_until(lambda target=target: sent() >= target or all(p.poll() is not None for p in running),
                       what="the dispatchers to send", timeout=600)
            for i, process in enumerate(running):
                check_alive(process, f"dispatcher {i}", logs[i])
            if sent() >= TOTAL:
                break
            victim = rnd.randrange(DISPATCHERS)
            running[victim].send_signal(signal.SIGKILL)
            running[victim].wait(timeout=60)
            kills.append(sent())
            running[victim] = _start(command, env, logs[victim])
        # The survivors (and the restarted) finish the campaign, settling what the killed ones left in flight.
        wait_while_progressing(sent, TOTAL, what="the campaign to be sent")
        wait_until(lambda: servers.counts(campaign_id)["queued"] == 0, what="nothing left queued or in flight",
                   timeout=600)
    finally:
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()

    sent_to = [message["to"] for message in servers.sandbox_log() if message.get("direction") != "reply"]
    assert len(set(sent_to)) == TOTAL, f"{TOTAL - len(set(sent_to))} phones never texted"
    assert len(sent_to) == TOTAL, f"{len(sent_to) - TOTAL} phones texted twice"
    assert len(kills) >= KILLS // 2 and any(0 < n < TOTAL for n in kills), f"kills did not land mid-campaign: {kills}"
    servers.wait_for_deliveries(campaign_id, TOTAL)
    assert servers.counts(campaign_id)["delivered"] == TOTAL
    print(f"{DISPATCHERS} dispatchers, {len(kills)} SIGKILLs at {kills} texts sent: {len(sent_to)} texts, "
          f"{len(set(sent_to))} phones, all delivered")
