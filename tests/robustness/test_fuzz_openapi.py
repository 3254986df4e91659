"""Schemathesis against /openapi.json on a live server: no 5xx, and every response conforms to the spec.

Run through the schemathesis CLI as a separate process (its pytest plugin does not support pytest 9),
bounded to a fixed number of examples per operation and a fixed seed to keep CI short and repeatable.
Authenticated operations are fuzzed with an admin token, so their bodies are exercised, not just 401s.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.live_server import REPO, LiveServer

CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"


def _token(server: LiveServer, role: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "referral_service.cli", "tokens", "create", "--role", role],
        cwd=REPO, env=server.env, capture_output=True, text=True, check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def _schemathesis(server: LiveServer, headers: list[str], examples: int, tmp_path: Path) -> subprocess.CompletedProcess:
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "run", f"{server.url}/openapi.json",
        "--checks", CHECKS, "--max-examples", str(examples), "--seed", "20261123", "--generation-deterministic",
        "--request-timeout", "10",
    ]
    for header in headers:
        command += ["-H", header]
    return subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)


def test_fuzzing_every_operation_finds_no_5xx_and_no_response_outside_the_spec(tmp_path):
    with LiveServer(tmp_path, threads=8) as server:
        token = _token(server, "admin")
        result = _schemathesis(server, [f"Authorization: Bearer {token}"], examples=20, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_fuzzing_without_a_token_finds_no_5xx(tmp_path):
    with LiveServer(tmp_path, threads=8) as server:
        result = _schemathesis(server, [], examples=8, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
