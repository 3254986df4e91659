"""The dispatcher: sends the outbox through the SMS provider, exactly once, at the configured rate, in the window.

Exactly once, without an idempotency key at the provider, with any number of dispatchers at once:
1. a dispatcher claims a few due rows at a time — marked ``sending`` with its id and committed *before*
   the provider is called — taking only rows no other dispatcher holds (``FOR UPDATE SKIP LOCKED`` on
   PostgreSQL); each row's id rides in the status callback URL;
2. every dispatcher keeps a heartbeat in ``sms_dispatchers``. Rows left ``sending`` by one that stopped
   (its process gone on this host, or its heartbeat stale) are taken over by another, one dispatcher
   per row, and reconciled; so are a dispatcher's own rows after an ambiguous answer (timeout, dropped
   connection, 5xx);
3. reconciling: if a status report has already given the row a message id, or the provider lists a
   message with its body to its number since it was claimed, it is ``sent``; only if the provider has
   no such message is it queued again.
Consent is checked again just before the call, so a STOP after queueing prevents the send. Quiet
hours delay sends (rows stay queued); ``validity_period`` is at most an hour and never runs past
the close of the window, so a promotion cannot arrive late at night. The dispatcher speaks only the
provider-neutral outcomes of ``provider.py``; Twilio is one module behind it (``gateway.py``).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from pathlib import Path

from consent import SMS_PROMOTIONS, WITHDRAWN

from ..db import StorageError, connect_for, transaction
from ..storage import campaigns, outbox
from ..storage.consents import current_consent, phone_subject, record_sms_stop
from . import provider as outcomes
from .provider import ProviderUnavailable, SmsProvider, provider_for
from .window import Clock, SendWindow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
MAX_VALIDITY_SECONDS = 3600
MIN_VALIDITY_SECONDS = 300
# A dispatcher whose heartbeat is older than this is taken to have stopped (SMS_DISPATCHER_LEASE_SECONDS).
LEASE_SECONDS = 30
HEARTBEAT_SECONDS = 1.0
# A dispatcher seen dead on this host is settled only once its last heartbeat is this old, so that a
# request it wrote just before it died has reached the provider before anyone looks for it.
DEAD_GRACE_SECONDS = 3
POLL_SECONDS = 2.0


def record_opt_out(db, phone_e164: str, how: str) -> None:
    """The provider reports the number opted out on its own list: withdraw SMS consent for every service at once
    (the same record as a STOP texted to us; we did not ask it to reply YES). Caller holds the transaction."""
    record_sms_stop(db, phone_e164, how, asked_reply_yes=False)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Dispatcher:
    """Sends due outbox rows; ``Dispatcher(app.config)``. Several may run at once, in one process or many."""

    def __init__(self, config: Mapping | str | Path, legacy_config: Mapping | None = None, *, gateway=None,
                 provider: SmsProvider | None = None, clock: Clock | None = None, window: SendWindow | None = None):
        if isinstance(config, str | Path):  # older callers: Dispatcher(database_path, config)
            path, config = str(config), dict(legacy_config or {})
            if not config.get("DATABASE_URL"):
                config["DATABASE_PATH"] = path
        self.config = dict(config)
        self._local = threading.local()
        self.gateway = gateway  # a provider client injected by tests (else each thread makes its own)
        self._provider = provider
        self.clock = clock or Clock()
        self.window = window or SendWindow.parse(self.config.get("SMS_SEND_WINDOW", "always"))
        rate = self.config.get("SMS_RATE_PER_SECOND")
        rate = 10.0 if rate is None or rate == "" else float(rate)  # 0: no limit of our own
        self.interval = 1.0 / rate if rate > 0 else 0.0
        # Texts in flight at once: the provider answers in tens of milliseconds, so one at a time caps the rate.
        self.concurrency = max(1, int(self.config.get("SMS_SEND_CONCURRENCY") or os.environ.get("SMS_SEND_CONCURRENCY")
                                      or 16))
        self.lease_seconds = float(self.config.get("SMS_DISPATCHER_LEASE_SECONDS") or LEASE_SECONDS)
        self.base_url = self.config["PUBLIC_BASE_URL"].rstrip("/")
        self.host, self.pid = socket.gethostname(), os.getpid()
        self.holder = f"{self.host}:{self.pid}:{uuid.uuid4().hex[:8]}"
        self._next_slot: datetime | None = None
        self.sent = 0
        self.stop_event = threading.Event()
        self._sent_lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._beating = threading.Event()
        self._connections: list = []
        self._connections_lock = threading.Lock()

    # --- resources ----------------------------------------------------------------------------------
    @property
    def db(self):
        """This thread's connection (senders run in a small pool of threads; each keeps its own)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = connect_for(self.config, pool_size=self.concurrency + 4)
            with self._connections_lock:
                self._connections.append(db)
        return db

    @property
    def provider(self) -> SmsProvider:
        """The injected provider, else this thread's (its HTTP session keeps connections open)."""
        if self._provider is not None:
            return self._provider
        if self.gateway is not None:
            self._provider = provider_for(self.config, client=self.gateway)
            return self._provider
        provider = getattr(self._local, "provider", None)
        if provider is None:
            provider = self._local.provider = provider_for(self.config)
        return provider

    def close(self) -> None:
        """Stop the sender threads and give back every connection."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for db in connections:
            try:
                db.close()
            except Exception:  # noqa: BLE001 - closing at the end; nothing more to do with it
                pass
        self._local = threading.local()

    # --- who is running -----------------------------------------------------------------------------
    def _register(self) -> None:
        outbox.register_dispatcher(self.db, self.holder, self.host, self.pid, outbox.iso(self.clock.now()))

    def _heartbeats(self) -> None:
        db = connect_for(self.config, pool_size=self.concurrency + 4)
        try:
            while not self._beating.wait(HEARTBEAT_SECONDS):
                try:
                    outbox.heartbeat(db, self.holder, outbox.iso(self.clock.now()))
                except StorageError:
                    log.warning("sms_dispatcher_heartbeat_failed")
        finally:
            db.close()

    def _stopped_dispatchers(self) -> set[str]:
        """Dispatchers known to have stopped: gone from this host, or silent for longer than the lease."""
        now = self.clock.now()
        stopped = set()
        for d in outbox.dispatchers(self.db):
            if d["id"] == self.holder:
                continue
            silent = (now - datetime.fromisoformat(d["heartbeat_at"])).total_seconds()
            dead_here = d["host"] == self.host and not _pid_alive(int(d["pid"]))
            if silent > self.lease_seconds or (dead_here and silent > DEAD_GRACE_SECONDS):
                stopped.add(d["id"])
        return stopped

    # --- reconciliation after a crash ---------------------------------------------------------------
    def reconcile(self, row: dict) -> None:
        """Settle a row of ours left ``sending``: sent if the provider has it, else queued again (never re-sent blindly).

        Raises ProviderUnavailable if the provider cannot be asked (the row stays ``sending``: next pass).
        """
        now = outbox.iso(self.clock.now())
        current = outbox.get(self.db, row["id"])
        if current is None or current["status"] != outbox.SENDING:
            return
        if current["provider_message_id"]:
            outbox.mark_sent(self.db, row["id"], current["provider"] or self.provider.name,
                             current["provider_message_id"], outbox.SENT, now)
            return
        since = datetime.fromisoformat(current["sending_started_at"])
        found = self.provider.find_sent(current["phone_e164"], current["body"], since)
        if found is not None:
            outbox.mark_sent(self.db, row["id"], self.provider.name, found.message_id, found.status or outbox.SENT, now)
            log.info("sms_reconciled_sent", extra={"outbox_id": row["id"]})
        else:
            outbox.requeue(self.db, row["id"], now, None, now, holder=current["claimed_by"])
            log.info("sms_reconciled_requeued", extra={"outbox_id": row["id"]})

    def reconcile_in_flight(self) -> None:
        """Settle rows left ``sending`` by a stopped dispatcher (taken over first), by no one known, or by us."""
        stopped = self._stopped_dispatchers()
        for row in outbox.in_flight(self.db, claimed_by={None, self.holder, *stopped}):
            if row["claimed_by"] != self.holder and not outbox.take_over(self.db, row["id"], row["claimed_by"], self.holder):
                continue  # another dispatcher took it first
            try:
                self.reconcile({**row, "claimed_by": self.holder})
            except ProviderUnavailable:
                log.warning("sms_reconcile_unavailable", extra={"outbox_id": row["id"]})
        outbox.forget_dispatchers(self.db, stopped)

    # --- sending ------------------------------------------------------------------------------------
    def _pace(self) -> None:
        """Keep to SMS_RATE_PER_SECOND: each send waits for its slot."""
        now = self.clock.now()
        if self._next_slot is not None and now < self._next_slot:
            self.clock.sleep((self._next_slot - now).total_seconds())
            now = self.clock.now()
        self._next_slot = max(now, self._next_slot or now) + timedelta(seconds=self.interval)

    def _validity(self, now: datetime) -> int | None:
        left = self.window.seconds_until_close(now)
        if left is None:
            return MAX_VALIDITY_SECONDS
        if left < MIN_VALIDITY_SECONDS:
            return None  # too close to the end of the window: wait for it to open again
        return int(min(MAX_VALIDITY_SECONDS, left))

    def _backoff(self, attempts: int) -> str:
        return outbox.iso(self.clock.now() + timedelta(seconds=min(2 ** attempts, 300)))

    def _claim_size(self, batch: int) -> int:
        # Claimed rows wait for their pacing slot while ``sending``: keep that to about two seconds.
        paced = max(1, int(2 / self.interval)) if self.interval else batch
        return max(1, min(batch, paced, 4 * self.concurrency))

    def _consented(self, row: dict) -> bool:
        """Consent again, just before the call: a STOP after queueing skips the row."""
        answer = current_consent(self.db, phone_subject(row["phone_e164"]), SMS_PROMOTIONS, row["owner_service_id"])
        if answer.allowed:
            return True
        reason = "withdrawn" if answer.record is not None and answer.record.decision == WITHDRAWN else "no_consent"
        outbox.finish(self.db, row["id"], outbox.SKIPPED, outbox.iso(self.clock.now()), reason=reason)
        return False

    def _call(self, row: dict, validity: int) -> None:
        """The provider call for a claimed row, and what its answer means (runs in a sender thread)."""
        callback = f"{self.base_url}/sms/status?outbox_id={row['id']}"
        result = self.provider.send(row["phone_e164"], row["body"], callback, validity)
        now = outbox.iso(self.clock.now())
        if result.outcome == outcomes.SENT:
            outbox.mark_sent(self.db, row["id"], self.provider.name, result.message_id, result.status or outbox.SENT, now)
            with self._sent_lock:
                self.sent += 1
            return
        log.info("sms_send_error", extra={"outbox_id": row["id"], "outcome": result.outcome,
                                          "provider_code": result.error_code, "http_status": result.http_status})
        if result.outcome == outcomes.OPTED_OUT:
            with transaction(self.db):
                record_opt_out(self.db, row["phone_e164"], "The SMS provider refused the send: the number has opted out.")
                outbox.finish(self.db, row["id"], outbox.SKIPPED, now, reason=outbox.OPTED_OUT, error_code=result.error_code)
        elif result.outcome == outcomes.REJECTED:
            outbox.finish(self.db, row["id"], outbox.FAILED, now, error_code=result.error_code)
        elif result.outcome == outcomes.RETRY:
            outbox.requeue(self.db, row["id"], now, result.error_code, now, holder=row["claimed_by"])
            self._after_retry(outbox.get(self.db, row["id"]), result.error_code)
        else:
            self._ambiguous(row, result.error_code)

    def send_one(self, row: dict) -> None:
        """Claim (if still queued), re-check consent, pace and send one row."""
        if row.get("status") == outbox.QUEUED:
            now = self.clock.now()
            validity = self._validity(now) if self.window.is_open(now) else None
            if validity is None or not outbox.mark_sending(self.db, row["id"], outbox.iso(now), self.holder):
                return
            row = {**row, "claimed_by": self.holder}
        else:
            validity = self._validity(self.clock.now()) or MIN_VALIDITY_SECONDS
        if self._consented(row):
            self._pace()
            self._call(row, validity)

    def _ambiguous(self, row: dict, code: int | None) -> None:
        try:
            self.reconcile(row)
        except ProviderUnavailable:
            return  # still unreachable: the row stays 'sending' (ours) and is settled on the next pass
        current = outbox.get(self.db, row["id"])
        if current and current["status"] == outbox.QUEUED:
            self._after_retry(current, code)

    def _after_retry(self, row: dict | None, code: int | None) -> None:
        if row is None or row["status"] != outbox.QUEUED:
            return
        if row["attempts"] >= MAX_ATTEMPTS:
            outbox.finish(self.db, row["id"], outbox.FAILED, outbox.iso(self.clock.now()), error_code=code)
        else:
            outbox.back_off(self.db, row["id"], self._backoff(row["attempts"]), code)

    def run_once(self, batch: int = 200) -> int:
        """Claim and send what is due now; return how many rows were claimed.

        Rows are claimed, consent-checked and paced here, in order; their provider calls run in a pool
        of ``SMS_SEND_CONCURRENCY`` threads. Every call has finished before this returns, so a row of
        ours still ``sending`` afterwards had an ambiguous answer and is reconciled, never one in flight.
        """
        now = self.clock.now()
        validity = self._validity(now) if self.window.is_open(now) else None
        if validity is None:
            return 0  # quiet hours: rows stay queued, sent when the window opens
        rows = outbox.claim_due(self.db, self.holder, outbox.iso(now), self._claim_size(batch))
        pending: list[Future] = []
        slots = threading.Semaphore(self.concurrency)
        for index, row in enumerate(rows):
            if self.stop_event.is_set():
                for left in rows[index:]:  # never sent: give them back now rather than after a lease
                    outbox.requeue(self.db, left["id"], outbox.iso(self.clock.now()), None, outbox.iso(self.clock.now()),
                                   holder=self.holder)
                break
            if not self._consented(row):
                continue
            if self.concurrency == 1:
                self._pace()
                self._call(row, validity)
                continue
            slots.acquire()  # a free sender first, so the pace is the pace of the calls
            self._pace()
            pending.append(self._senders().submit(self._pooled_call, row, validity, slots))
        wait(pending)
        with transaction(self.db, exclusive=False):
            campaigns.complete_finished(self.db)
        return len(rows)

    def _senders(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.concurrency, thread_name_prefix="sms-send")
        return self._executor

    def _pooled_call(self, row: dict, validity: int, slots: threading.Semaphore) -> None:
        try:
            self._call(row, validity)
        except Exception:  # noqa: BLE001 - a sender thread must never die silently; the row is reconciled
            log.exception("sms_send_crashed", extra={"outbox_id": row["id"]})
        finally:
            slots.release()

    def _idle_wait(self) -> None:
        now = self.clock.now()
        wait_for = POLL_SECONDS
        if not self.window.is_open(now):
            wait_for = min(60.0, max((self.window.next_open(now) - now).total_seconds(), 0.1))
        else:
            due_at = outbox.next_due_at(self.db)
            if due_at is not None:
                wait_for = min(wait_for, max((datetime.fromisoformat(due_at) - now).total_seconds(), 0.01))
        if not self.stop_event.is_set():
            self.clock.sleep(wait_for)

    def run(self, *, until_idle: bool = False, max_wait_for_lease: float | None = None) -> int:
        """Run until stopped (or, with ``until_idle``, until nothing is queued or in flight); return texts sent.

        ``max_wait_for_lease`` is accepted for older callers: dispatchers no longer wait for each other.
        """
        del max_wait_for_lease
        self._register()
        self._beating = threading.Event()
        beating = threading.Thread(target=self._heartbeats, name="sms-heartbeat", daemon=True)
        beating.start()
        log.info("sms_dispatcher_started")
        try:
            while not self.stop_event.is_set():
                self.reconcile_in_flight()
                if self.run_once() == 0:
                    if until_idle and not outbox.any_unfinished(self.db):
                        break
                    self._idle_wait()
        finally:
            self._beating.set()
            beating.join(timeout=HEARTBEAT_SECONDS * 5)
            try:
                outbox.unregister_dispatcher(self.db, self.holder)
            finally:
                self.close()
        return self.sent

    def stop(self) -> None:
        self.stop_event.set()
