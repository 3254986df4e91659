"""The rate limiter's in-process storage (``RATELIMIT_STORAGE_URI=memory://``, the default).

limits' own MemoryStorage expires old counters from a ``threading.Timer`` that lives 10 ms: every counted
request after a quiet 10 ms starts a new thread and waits for it to start, which on a busy machine took a
large share of a request's time (about 2 ms of an eligibility check under load). This subclass keeps the
same counters and the same per-key expiry (a counter past its window is dropped when next read, as in
limits' ``get``) and sweeps every expired key inline at most once a second, so no thread is ever started.

With several processes (gunicorn workers) each keeps its own counts, as with ``memory://``; for one count
across workers and instances use ``redis://`` (docs/scaling.md).
"""

from __future__ import annotations

import threading
import time

from limits.storage import MemoryStorage

SCHEME = "memory-swept"
SWEEP_SECONDS = 1.0


class SweptMemoryStorage(MemoryStorage):
    """limits' MemoryStorage with expired keys swept inline (once a second at most), never from a new thread."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._sweep_lock = threading.Lock()
        self._next_sweep = time.monotonic() + SWEEP_SECONDS

    # MemoryStorage calls self.__schedule_expiry() on every counted hit (name-mangled to this name).
    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - the parent's private hook
        now = time.monotonic()
        if now < self._next_sweep or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + SWEEP_SECONDS
            self._MemoryStorage__expire_events()
        finally:
            self._sweep_lock.release()


def storage_uri(configured: str) -> str:
    """The URI to give flask-limiter: ours for the in-process default, anything else as configured."""
    return f"{SCHEME}://" if configured.rstrip("/") in {"memory:", "memory"} else configured
