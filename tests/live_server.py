"""Start the real service as a separate process on 127.0.0.1 for tests that need a live server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from .processes import wait_for_http

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """``with LiveServer(tmp_path) as server: server.url`` — gunicorn serving create_app() on a free port."""

    def __init__(self, tmp_path: Path, env: dict[str, str] | None = None, workers: int = 1, threads: int = 4):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_path = str(tmp_path / "live.db")
        self.env = {
            **os.environ,
            "DATABASE_PATH": self.database_path,
            "PORT": str(self.port),
            "PUBLIC_BASE_URL": self.url,
            "BOT_AUTH_TOKEN": "live-bot-token",
            "RATELIMIT_ENABLED": "false",
            "LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        self.workers = workers
        self.threads = threads
        self.process: subprocess.Popen | None = None
        self.log_path = tmp_path / f"server-{self.port}.log"

    def start(self) -> LiveServer:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "-k", "gthread", "--threads", str(self.threads),
             "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "2", "referral_service:create_app()"],
            cwd=REPO, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_for_http(f"{self.url}/healthz", what="the live server", process=self.process, log_path=self.log_path)
        return self

    def kill(self) -> None:
        """SIGKILL the whole server (master and workers): no chance to clean up."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "_log", None):
            self._log.close()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
