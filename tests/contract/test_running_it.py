"""CONTRACT.md "Running it": `referral-service serve` on 127.0.0.1 at $PORT answers /healthz on a fresh
database (schema and sample directory created by itself), and `init-db` works — as the console script,
with this run's database settings (SQLite file, or DATABASE_URL when the suite runs on PostgreSQL)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from ..processes import wait_until

REPO = Path(__file__).resolve().parents[2]


def console_script() -> list[str]:
    script = shutil.which("referral-service", path=str(REPO / ".venv" / "bin"))
    return [script] if script else [sys.executable, "-m", "referral_service.cli"]


def free_port() -> int:
    """A free port whose next port is free too (the embedded SMS sandbox of `serve` takes PORT + 1)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise AssertionError("no pair of free ports")


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "DATABASE_PATH": str(tmp_path / "fresh.db"), "BOT_AUTH_TOKEN": "acceptance-bot-token-123456",
            "ENVIRONMENT": "development"}


def test_init_db_then_serve_answers_healthz_and_eligibility(tmp_path, env):
    init = subprocess.run([*console_script(), "init-db"], env=env, capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert init.returncode == 0, init.stdout + init.stderr
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([*console_script(), "serve"], env={**env, "PORT": str(port)}, stdout=out,
                                  stderr=subprocess.STDOUT, cwd=tmp_path, start_new_session=True)
    try:
        wait_until(lambda: healthy(f"http://127.0.0.1:{port}/healthz"), what="referral-service serve", process=server,
                   log_path=log)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/eligibility", method="POST",
                                         data=json.dumps({"postcode": "B1 1AA", "conditions": ["psychosis"]}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.load(response)
        smi = next(p for p in body["pathways"] if p["id"] == "ips_smi")
        assert smi["services"] and smi["services"][0]["id"] == "birmingham-ips-smi"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
