"""Waiting for other processes without racing the clock.

Every wait in the suite waits on *readiness* or *progress*, never on a fixed short time:
- ``wait_until`` polls a condition with a generous ceiling and fails at once, with the process's
  own output, if the process it depends on has exited;
- ``wait_while_progressing`` keeps waiting as long as a count keeps moving, and fails only when it
  has stalled for a long time (a busy machine is slow, not stuck).

The ceilings are deliberately long: they only bound how long a genuinely broken run takes to fail.
"""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

# How long anything may take to become ready on a loaded 2-core machine before we call it broken.
READY_CEILING_SECONDS = 180.0
# How long a count may stand still before a wait on progress gives up.
STALL_CEILING_SECONDS = 180.0
POLL_SECONDS = 0.05


class ProcessExited(AssertionError):
    """The process a test was waiting on has exited: its output says why."""


class WaitTimedOut(AssertionError):
    """A condition did not become true within the (generous) ceiling."""


def process_output(process: subprocess.Popen | None, log_path: Path | None = None, limit: int = 4000) -> str:
    """The last ``limit`` characters a process wrote: from its log file, or its captured pipe once it has exited."""
    if log_path is not None and Path(log_path).exists():
        return Path(log_path).read_text(errors="replace")[-limit:]
    if process is not None and process.poll() is not None and process.stdout is not None:
        try:
            data = process.stdout.read() or b""
        except ValueError:  # pipe already closed
            return ""
        return (data.decode(errors="replace") if isinstance(data, bytes) else data)[-limit:]
    return ""


def check_alive(process: subprocess.Popen | None, what: str, log_path: Path | None = None) -> None:
    """Raise ``ProcessExited`` with the process's output if it is no longer running."""
    if process is not None and process.poll() is not None:
        raise ProcessExited(f"{what} exited with code {process.returncode}:\n{process_output(process, log_path)}")


def wait_until(condition: Callable[[], bool], *, what: str, timeout: float = READY_CEILING_SECONDS,
               process: subprocess.Popen | None = None, log_path: Path | None = None) -> None:
    """Poll ``condition`` until it is true; fail fast if ``process`` exits, or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        check_alive(process, what, log_path)
        if condition():
            return
        if time.monotonic() > deadline:
            raise WaitTimedOut(f"{what}: not ready after {timeout:.0f} s\n{process_output(process, log_path)}")
        time.sleep(POLL_SECONDS)


def http_ok(url: str) -> Callable[[], bool]:
    """A condition: ``url`` answers 200."""

    def answered() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    return answered


def wait_for_http(url: str, *, what: str, process: subprocess.Popen | None = None, log_path: Path | None = None,
                  timeout: float = READY_CEILING_SECONDS) -> None:
    """Wait until ``url`` answers 200 (a server's health check), failing fast if the server exits."""
    wait_until(http_ok(url), what=what, timeout=timeout, process=process, log_path=log_path)


def wait_while_progressing(count: Callable[[], int], target: int, *, what: str,
                           stall_timeout: float = STALL_CEILING_SECONDS) -> int:
    """Wait until ``count()`` reaches ``target``, for as long as it keeps moving.

    Fails only when the count has not changed for ``stall_timeout`` seconds; returns the final count.
    """
    last = count()
    last_change = time.monotonic()
    while last < target:
        time.sleep(POLL_SECONDS * 4)
        current = count()
        if current != last:
            last, last_change = current, time.monotonic()
        elif time.monotonic() - last_change > stall_timeout:
            raise WaitTimedOut(f"{what}: stuck at {last} of {target} for {stall_timeout:.0f} s")
    return last
