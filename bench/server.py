"""Benchmark plumbing: gunicorn serving bench.wsgi:app on 127.0.0.1, and load from a separate process."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


@contextlib.contextmanager
def gunicorn(workers: int = 2, threads: int = 8, env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """Yield (base URL, process) for the app on a fresh database; stop it afterwards.

    ``env`` adds to or overrides the environment (e.g. the rate limiter on, with limits that do not bite).
    """
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_PATH": str(Path(tmp) / "bench.db"), "RATELIMIT_ENABLED": "false",
               "LOG_LEVEL": "WARNING", "SMS_DISPATCHER": "off", **(env or {})}
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", str(threads),
             "-b", f"127.0.0.1:{port}", "--log-level", "warning", "bench.wsgi:app"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(port)
            _wait_healthy(f"http://127.0.0.1:{port}", server)
            yield f"http://127.0.0.1:{port}", server
        finally:
            server.terminate()
            server.wait(timeout=10)


def _wait_healthy(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    """The port opens before the workers boot: wait until the app itself answers."""
    import urllib.request

    deadline = time.time() + seconds
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the app did not become healthy")


def load(url: str, body: str, requests: int, connections: int = 8, rate: float | None = None) -> dict:
    """Run bench.load in a separate process; return its figures."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.load", url, "POST", body, str(connections), str(requests)]
        + ([str(rate)] if rate else []),
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout)


def workers_cpu_seconds(master_pid: int) -> float:
    """CPU time (user + system) used so far by a gunicorn master's worker processes, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    total = 0
    for pid in children.read_text().split() if children.exists() else []:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks
