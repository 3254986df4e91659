"""The dispatcher: sends the outbox through Twilio, exactly once, at the configured rate, in the window.

Exactly once, without an idempotency key at Twilio:
1. one dispatcher at a time holds a lease (a row with a heartbeat; a dead holder's lease is taken over);
2. a row is marked ``sending`` and committed *before* the API call, and its id rides in the
   StatusCallback URL;
3. on start, and after an ambiguous error (timeout, dropped connection, 5xx), a ``sending`` row is
   reconciled: if a callback has already given it a message SID, or Twilio lists a message with its
   body to its number since it was marked, it is ``sent``; only if Twilio has no such message is it
   queued again.
Consent is checked again just before the call, so a STOP after queueing prevents the send. Quiet
hours delay sends (the row stays queued); ``validity_period`` is at most an hour and never runs past
the close of the window, so a promotion cannot arrive late at night.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import requests
import sqlite_utils
from twilio.base.exceptions import TwilioException, TwilioRestException

from consent import SMS_PROMOTIONS, WITHDRAWN

from ..db import connect, write_transaction
from ..storage import campaigns, outbox
from ..storage.consents import current_consent, phone_subject, record_sms_stop
from .gateway import TwilioGateway
from .window import Clock, SendWindow

log = logging.getLogger(__name__)

OPTED_OUT = 21610  # Twilio: the number has replied STOP to this sender
PERMANENT_CODES = {21211, 21408, 21610, 21612, 21614, 21606, 21659, 30004, 30005, 30006}
MAX_ATTEMPTS = 6
MAX_VALIDITY_SECONDS = 3600
MIN_VALIDITY_SECONDS = 300
LEASE_SECONDS = 30
POLL_SECONDS = 2.0


def record_opt_out(db: sqlite_utils.Database, phone_e164: str, how: str) -> None:
    """Twilio reports the number opted out (21610): withdraw SMS consent for every service at once, recording which
    services that withdrew (so a later START gives back only those; consent.sms_keywords)."""
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
    def __init__(self, db_path: str, config: dict, *, gateway=None, clock: Clock | None = None,
                 window: SendWindow | None = None):
        self.db_path = db_path
        self._local = threading.local()
        self.config = config
        self._gateway = gateway
        self.clock = clock or Clock()
        self.window = window or SendWindow.parse(config.get("SMS_SEND_WINDOW", "always"))
        rate = config.get("SMS_RATE_PER_SECOND")
        rate = 10.0 if rate is None or rate == "" else float(rate)  # 0: no limit of our own
        self.interval = 1.0 / rate if rate > 0 else 0.0
        # Texts in flight at once: Twilio answers in tens of milliseconds, so one at a time caps the rate.
        self.concurrency = max(1, int(config.get("SMS_SEND_CONCURRENCY") or os.environ.get("SMS_SEND_CONCURRENCY") or 16))
        self.base_url = config["PUBLIC_BASE_URL"].rstrip("/")
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._next_slot: datetime | None = None
        self.sent = 0
        self.stop_event = threading.Event()
        self._sent_lock = threading.Lock()

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection (senders run in a small pool; a SQLite connection stays in its thread)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = connect(self.db_path)
        return db

    @property
    def gateway(self):
        """The injected gateway, else this thread's twilio client (its HTTP session keeps connections open)."""
        if self._gateway is not None:
            return self._gateway
        gateway = getattr(self._local, "gateway", None)
        if gateway is None:
            gateway = self._local.gateway = TwilioGateway(self.config)
        return gateway

    # --- the lease: one dispatcher at a time -------------------------------------------------------
    def acquire_lease(self) -> bool:
        now = self.clock.now()
        with write_transaction(self.db):
            row = self.db.execute("select holder, heartbeat_at from sms_dispatcher_lease where name = 'sms'").fetchone()
            if row is not None and row[0] != self.holder:
                host, pid, _ = (row[0].split(":") + ["", ""])[:3]
                stale = datetime.fromisoformat(row[1]) < now - timedelta(seconds=LEASE_SECONDS)
                dead = host == socket.gethostname() and pid.isdigit() and not _pid_alive(int(pid))
                if not (stale or dead):
                    return False
            self.db.execute("insert into sms_dispatcher_lease (name, holder, heartbeat_at) values ('sms', ?, ?) "
                            "on conflict (name) do update set holder = excluded.holder, heartbeat_at = excluded.heartbeat_at",
                            [self.holder, outbox.iso(now)])
        return True

    def release_lease(self) -> None:
        with self.db.conn:
            self.db.execute("delete from sms_dispatcher_lease where name = 'sms' and holder = ?", [self.holder])

    # --- reconciliation after a crash ---------------------------------------------------------------
    def reconcile(self, row: dict) -> None:
        """Settle a row left ``sending``: sent if Twilio has it, else queued again (never re-sent blindly)."""
        now = outbox.iso(self.clock.now())
        current = outbox.get(self.db, row["id"])
        if current is None or current["status"] != outbox.SENDING:
            return
        if current["twilio_sid"]:
            outbox.mark_sent(self.db, row["id"], current["twilio_sid"], "sent", now)
            return
        since = datetime.fromisoformat(current["sending_started_at"])
        found = self.gateway.find_sent(current["phone_e164"], current["body"], since)
        if found is not None:
            outbox.mark_sent(self.db, row["id"], found.sid, found.status, now)
            log.info("sms_reconciled_sent", extra={"outbox_id": row["id"]})
        else:
            outbox.requeue(self.db, row["id"], now, None, now)
            log.info("sms_reconciled_requeued", extra={"outbox_id": row["id"]})

    def reconcile_in_flight(self) -> None:
        for row in outbox.in_flight(self.db):
            try:
                self.reconcile(row)
            except (TwilioException, requests.RequestException):
                log.warning("sms_reconcile_unavailable", extra={"outbox_id": row["id"]})

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

    def _claim(self, row: dict) -> int | None:
        """Mark the row ``sending`` (committed) and re-check consent; the validity period to send with, or None."""
        now = self.clock.now()
        validity = self._validity(now) if self.window.is_open(now) else None
        if validity is None:
            return None  # quiet hours: stays queued, sent when the window opens
        if not outbox.mark_sending(self.db, row["id"], outbox.iso(now)):
            return None
        answer = current_consent(self.db, phone_subject(row["phone_e164"]), SMS_PROMOTIONS, row["owner_service_id"])
        if not answer.allowed:
            reason = "withdrawn" if answer.record is not None and answer.record.decision == WITHDRAWN else "no_consent"
            outbox.finish(self.db, row["id"], outbox.SKIPPED, outbox.iso(now), reason=reason)
            return None
        return validity

    def _call(self, row: dict, validity: int) -> None:
        """The Twilio call for a claimed row, and what its answer means (runs in a sender thread)."""
        callback = f"{self.base_url}/sms/status?outbox_id={row['id']}"
        try:
            sent = self.gateway.send(row["phone_e164"], row["body"], callback, validity)
        except TwilioRestException as error:
            self._failed(row, error)
        except (TwilioException, requests.RequestException, OSError):
            # The request may or may not have reached Twilio: look before trying again.
            self._ambiguous(row, None)
        else:
            outbox.mark_sent(self.db, row["id"], sent.sid, sent.status, outbox.iso(self.clock.now()))
            with self._sent_lock:
                self.sent += 1

    def send_one(self, row: dict) -> None:
        validity = self._claim(row)
        if validity is not None:
            self._pace()
            self._call(row, validity)

    def _failed(self, row: dict, error: TwilioRestException) -> None:
        now = outbox.iso(self.clock.now())
        code = error.code
        if code == OPTED_OUT:
            with write_transaction(self.db):
                record_opt_out(self.db, row["phone_e164"], "Twilio refused the send: the number has opted out (21610).")
            outbox.finish(self.db, row["id"], outbox.SKIPPED, now, reason="opted_out", error_code=code)
        elif error.status == 429 or (error.status or 500) >= 500:
            self._ambiguous(row, code) if (error.status or 500) >= 500 else self._retry(row, code)
        else:
            outbox.finish(self.db, row["id"], outbox.FAILED, now, error_code=code)
        log.info("sms_send_error", extra={"outbox_id": row["id"], "twilio_code": code, "http_status": error.status})

    def _ambiguous(self, row: dict, code: int | None) -> None:
        try:
            self.reconcile(row)
        except (TwilioException, requests.RequestException, OSError):
            pass  # still unreachable: the row stays 'sending' and is settled on the next pass
        current = outbox.get(self.db, row["id"])
        if current and current["status"] == outbox.QUEUED:
            self._after_retry(current, code)

    def _retry(self, row: dict, code: int | None) -> None:
        now = outbox.iso(self.clock.now())
        outbox.requeue(self.db, row["id"], now, code, now)
        self._after_retry(outbox.get(self.db, row["id"]), code)

    def _after_retry(self, row: dict, code: int | None) -> None:
        now = outbox.iso(self.clock.now())
        if row["attempts"] >= MAX_ATTEMPTS:
            outbox.finish(self.db, row["id"], outbox.FAILED, now, error_code=code)
        else:
            with self.db.conn:
                self.db.execute("update sms_outbox set next_attempt_at = ?, error_code = ? where id = ? and status = 'queued'",
                                [self._backoff(row["attempts"]), code, row["id"]])

    def run_once(self, batch: int = 200) -> int:
        """Send what is due now; return how many rows were looked at.

        Rows are claimed and paced here, one by one; their Twilio calls run in a pool of
        ``SMS_SEND_CONCURRENCY`` threads. Every call has finished before this returns, so a row
        still ``sending`` afterwards was left by a crash and is reconciled, never one in flight.
        """
        now = self.clock.now()
        rows = outbox.due(self.db, outbox.iso(now), batch) if self.window.is_open(now) else []
        if self.concurrency == 1 or len(rows) <= 1:
            for row in rows:
                if self.stop_event.is_set():
                    break
                self.send_one(row)
        else:
            slots = threading.Semaphore(self.concurrency)
            with ThreadPoolExecutor(self.concurrency, thread_name_prefix="sms-send") as pool:
                for row in rows:
                    if self.stop_event.is_set():
                        break
                    validity = self._claim(row)
                    if validity is None:
                        continue
                    slots.acquire()  # a free sender first, so the pace is the pace of the calls
                    self._pace()
                    pool.submit(self._pooled_call, row, validity, slots)
        with self.db.conn:
            campaigns.complete_finished(self.db)
        return len(rows)

    def _pooled_call(self, row: dict, validity: int, slots: threading.Semaphore) -> None:
        try:
            self._call(row, validity)
        except Exception:  # noqa: BLE001 - a sender thread must never die silently; the row is reconciled
            log.exception("sms_send_crashed", extra={"outbox_id": row["id"]})
        finally:
            slots.release()

    def _heartbeat(self) -> None:
        with self.db.conn:
            self.db.execute("update sms_dispatcher_lease set heartbeat_at = ? where name = 'sms' and holder = ?",
                            [outbox.iso(self.clock.now()), self.holder])

    def _idle_wait(self) -> None:
        now = self.clock.now()
        wait = POLL_SECONDS
        if not self.window.is_open(now):
            wait = min(60.0, max((self.window.next_open(now) - now).total_seconds(), 0.1))
        else:
            due_at = outbox.next_due_at(self.db)
            if due_at is not None:
                wait = min(wait, max((datetime.fromisoformat(due_at) - now).total_seconds(), 0.01))
        if self.stop_event.wait(0) is False:
            self.clock.sleep(wait)

    def run(self, *, until_idle: bool = False, max_wait_for_lease: float = 60.0) -> int:
        """Run until stopped (or, with ``until_idle``, until nothing is queued or in flight); return texts sent."""
        waited = 0.0
        while not self.acquire_lease():
            if waited >= max_wait_for_lease or self.stop_event.is_set():
                log.info("sms_dispatcher_lease_busy")
                return 0
            self.clock.sleep(1.0)
            waited += 1.0
        log.info("sms_dispatcher_started")
        try:
            self.reconcile_in_flight()
            while not self.stop_event.is_set():
                self._heartbeat()
                self.reconcile_in_flight()
                if self.run_once() == 0:
                    if until_idle and not self.db.execute(
                            "select 1 from sms_outbox where status in ('queued', 'sending') limit 1").fetchone():
                        break
                    self._idle_wait()
        finally:
            self.release_lease()
        return self.sent

    def stop(self) -> None:
        self.stop_event.set()
