"""kill -9 the SMS dispatcher again and again during a 5,000-recipient campaign: after a final
restart every recipient has been texted exactly once, checked against the Twilio sandbox's own log.

Real processes over real HTTP (our app, the sandbox, the official twilio client in the dispatcher).
Sent with no rate limit of ours so that it stays within about a minute.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

from tests.sms.conftest import row
from tests.sms.test_end_to_end import REPO, servers  # noqa: F401 - the fixture

TOTAL = 5000
KILLS = 8


def test_a_dispatcher_killed_repeatedly_during_a_5000_recipient_campaign_texts_everyone_exactly_once(
        servers, tmp_path):  # noqa: F811 - pytest fixture
    rows = [row(f"P{i}", f"07700 {i:06d}") for i in range(TOTAL)]
    campaign_id = servers.campaign(tmp_path, rows)
    assert servers.counts(campaign_id)["queued"] == TOTAL
    env = {**os.environ, "DATABASE_PATH": servers.db_path, "TWILIO_API_URL": servers.sandbox,
           "PUBLIC_BASE_URL": servers.base, "SMS_SEND_WINDOW": "always", "SMS_RATE_PER_SECOND": "0",
           "PYTHONPATH": str(REPO), "LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-c", "from referral_service.cli import main; main()", "dispatch"]
    rnd = random.Random(20261123)
    progress = []
    for _ in range(KILLS):
        before = len(servers.sandbox_log())
        log_path = tmp_path / "dispatcher.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        servers.wait_for(lambda before=before: len(servers.sandbox_log()) >= min(before + 1, TOTAL), "the dispatcher to send",
                             process=process, log_path=log_path)
        time.sleep(rnd.uniform(0.2, 2.0))  # somewhere in the middle of sending, with texts in flight
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        progress.append(len(servers.sandbox_log()))
    final = subprocess.run([*command, "--until-idle"], cwd=REPO, env=env, capture_output=True, timeout=600)
    assert final.returncode == 0, final.stderr[-2000:]

    sent_to = [message["to"] for message in servers.sandbox_log()]
    assert len(sent_to) == TOTAL, f"{len(sent_to)} texts for {TOTAL} recipients"
    assert len(set(sent_to)) == TOTAL, "a phone was texted twice"
    assert any(0 < n < TOTAL for n in progress), f"no kill landed mid-campaign: {progress}"
    servers.wait_for_deliveries(campaign_id, TOTAL)
    assert servers.counts(campaign_id)["delivered"] == TOTAL
