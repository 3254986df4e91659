"""The dispatcher: consent re-checked at sending, quiet hours, rate limit, retries, Twilio opt-outs, reconciliation.

Time is an injected clock: nothing here sleeps.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from twilio.base.exceptions import TwilioRestException

from consent import SMS_PROMOTIONS
from referral_service.sms.dispatcher import Dispatcher
from referral_service.sms.window import UK, SendWindow
from referral_service.storage import outbox
from referral_service.storage.consents import current_consent, phone_subject, record_consent

from .conftest import FakeGateway, row


def campaign_sent(client, auth, import_rows, rows):
    import_rows(rows)
    body = {"service_id": "sheffield-ips-smi", "name": "June", "template": "Hi {first_name}: {link}"}
    campaign = client.post("/api/v1/campaigns", json=body, headers=auth).json
    response = client.post(f"/api/v1/campaigns/{campaign['id']}/send", headers=auth)
    assert response.status_code == 202
    return campaign["id"]


def dispatcher(app, clock, gateway=None, window="Mon-Sat 09:00-19:00", rate=10, concurrency=1):
    # One sender thread: the fake gateway stamps each send with the injected clock, which only the pacing moves.
    config = {**app.config, "SMS_SEND_WINDOW": window, "SMS_RATE_PER_SECOND": rate, "SMS_SEND_CONCURRENCY": concurrency}
    return Dispatcher(app.config["DATABASE_PATH"], config, gateway=gateway or FakeGateway(clock), clock=clock,
                      window=SendWindow.parse(window))


def counts(client, auth, campaign_id):
    return client.get(f"/api/v1/campaigns/{campaign_id}", headers=auth).json["counts"]


def test_sends_each_queued_text_once_with_callback_and_short_validity(app, client, auth, import_rows, clock):
    campaign_id = campaign_sent(client, auth, import_rows, [row(f"R{i}", f"07700 9001{i:02d}") for i in range(5)])
    d = dispatcher(app, clock)
    assert counts(client, auth, campaign_id)["queued"] == 5
    d.run(until_idle=True)
    assert len(d.gateway.sent) == 5 and len({m["to"] for m in d.gateway.sent}) == 5
    first = d.gateway.sent[0]
    assert first["callback"].startswith("http://127.0.0.1:5000/sms/status?outbox_id=")
    assert 300 <= first["validity"] <= 3600
    assert counts(client, auth, campaign_id) == {"queued": 0, "sent": 5, "delivered": 0, "failed": 0, "undelivered": 0,
                                                 "skipped": 0}
    assert client.post(f"/api/v1/campaigns/{campaign_id}/send", headers=auth).status_code == 409
    assert client.get(f"/api/v1/campaigns/{campaign_id}", headers=auth).json["status"] == "completed"


def test_a_stop_after_queueing_prevents_the_send(app, client, db, auth, import_rows, clock):
    campaign_id = campaign_sent(client, auth, import_rows, [row("R1", "07700 900101"), row("R2", "07700 900102")])
    with db.conn:
        record_consent(db, subject=phone_subject("+447700900102"), purpose=SMS_PROMOTIONS, decision="withdrawn",
                       method="sms_keyword", recorded_by="test", wording_version="t", wording_text="STOP")
    d = dispatcher(app, clock)
    d.run(until_idle=True)
    assert [m["to"] for m in d.gateway.sent] == ["+447700900101"]
    assert counts(client, auth, campaign_id)["skipped"] == 1


def test_quiet_hours_delay_sends_until_the_window_opens_and_never_drop_them(app, client, auth, import_rows, clock):
    campaign_id = campaign_sent(client, auth, import_rows, [row("R1", "07700 900101")])
    saturday_evening = clock.now() + timedelta(days=4, hours=10, minutes=30)  # Saturday 19:30 UTC: after 19:00 UK
    clock.moment = saturday_evening
    d = dispatcher(app, clock)
    assert d.run_once() == 0 and d.gateway.sent == []
    d.run(until_idle=True)
    sent_at = d.gateway.sent[0]["at"].astimezone(UK)
    assert sent_at == d.window.next_open(saturday_evening)
    assert sent_at.weekday() == 0 or sent_at.weekday() == 1  # Monday (Tuesday after a bank holiday)
    assert (sent_at.hour, sent_at.minute) == (9, 0)
    assert counts(client, auth, campaign_id)["sent"] == 1


def test_no_sends_on_a_bank_holiday(app, clock):
    window = SendWindow.parse("Mon-Sat 09:00-19:00")
    assert not window.is_open(datetime(2025, 8, 25, 11, 0, tzinfo=UTC))  # Summer bank holiday (England)
    assert window.next_open(datetime(2025, 8, 25, 11, 0, tzinfo=UTC)) == datetime(2025, 8, 26, 8, 0, tzinfo=UTC)
    assert SendWindow.parse("always").is_open(datetime(2025, 12, 25, 2, 0, tzinfo=UTC))


def test_the_rate_limit_is_honoured(app, client, auth, import_rows, clock):
    campaign_sent(client, auth, import_rows, [row(f"R{i}", f"07700 9002{i:02d}") for i in range(21)])
    d = dispatcher(app, clock, rate=10)
    d.run(until_idle=True)
    times = [m["at"] for m in d.gateway.sent]
    assert len(times) == 21
    assert all((b - a).total_seconds() >= 0.1 - 1e-9 for a, b in zip(times, times[1:], strict=False))
    assert (times[-1] - times[0]).total_seconds() >= 2.0


def test_transient_errors_are_retried_with_backoff(app, client, auth, import_rows, clock):
    campaign_id = campaign_sent(client, auth, import_rows, [row("R1", "07700 900101")])
    gateway = FakeGateway(clock)
    gateway.errors = [TwilioRestException(429, "uri", "Too many requests", code=20429),
                      TwilioRestException(429, "uri", "Too many requests", code=20429)]
    d = dispatcher(app, clock, gateway)
    start = clock.now()
    d.run(until_idle=True)
    assert len(gateway.sent) == 1
    assert (gateway.sent[0]["at"] - start).total_seconds() >= 2 + 4
    assert counts(client, auth, campaign_id)["sent"] == 1


def test_twilio_opt_out_21610_skips_and_records_the_withdrawal(app, client, db, auth, import_rows, clock):
    campaign_id = campaign_sent(client, auth, import_rows, [row("R1", "07700 900101")])
    gateway = FakeGateway(clock)
    gateway.errors = [TwilioRestException(400, "uri", "Attempt to send to unsubscribed recipient", code=21610)]
    dispatcher(app, clock, gateway).run(until_idle=True)
    assert counts(client, auth, campaign_id)["skipped"] == 1
    assert not current_consent(db, phone_subject("+447700900101"), SMS_PROMOTIONS, "sheffield-ips-smi").allowed


def test_a_permanent_error_fails_without_retry(app, client, auth, import_rows, clock):
    campaign_id = campaign_sent(client, auth, import_rows, [row("R1", "07700 900101")])
    gateway = FakeGateway(clock)
    gateway.errors = [TwilioRestException(400, "uri", "Not a mobile", code=21614)]
    dispatcher(app, clock, gateway).run(until_idle=True)
    assert counts(client, auth, campaign_id)["failed"] == 1 and gateway.sent == []


def test_a_row_left_sending_after_a_crash_is_reconciled_not_resent(app, client, db, auth, import_rows, clock):
    campaign_sent(client, auth, import_rows, [row("R1", "07700 900101"), row("R2", "07700 900102")])
    gateway = FakeGateway(clock)
    rows = outbox.due(db, outbox.iso(clock.now()))
    # Crash 1: the API call for R1 succeeded but the dispatcher died before recording it.
    outbox.mark_sending(db, rows[0]["id"], outbox.iso(clock.now()))
    gateway.send(rows[0]["phone_e164"], rows[0]["body"], "cb", 600)
    # Crash 2: R2 was marked sending but the call never happened.
    outbox.mark_sending(db, rows[1]["id"], outbox.iso(clock.now()))
    dispatcher(app, clock, gateway).run(until_idle=True)
    assert sorted(m["to"] for m in gateway.sent) == ["+447700900101", "+447700900102"]
    assert {r["status"] for r in db.query("select status from sms_outbox")} == {"sent"}


def test_several_senders_at_once_still_send_each_text_exactly_once(app, client, auth, import_rows, clock):
    campaign_id = campaign_sent(client, auth, import_rows, [row(f"R{i}", f"07700 9003{i:02d}") for i in range(60)])
    d = dispatcher(app, clock, rate=0, concurrency=6)
    d.run(until_idle=True)
    assert sorted(m["to"] for m in d.gateway.sent) == sorted({m["to"] for m in d.gateway.sent})
    assert len(d.gateway.sent) == 60 and d.sent == 60
    assert counts(client, auth, campaign_id)["sent"] == 60


def test_with_several_senders_the_pace_is_still_the_configured_rate(app, client, auth, import_rows, clock):
    campaign_sent(client, auth, import_rows, [row(f"R{i}", f"07700 9004{i:02d}") for i in range(30)])
    d = dispatcher(app, clock, rate=20, concurrency=4)
    paced = []
    pace = d._pace

    def record():
        pace()
        paced.append(clock.now())
    d._pace = record
    d.run(until_idle=True)
    assert len(paced) == 30 and len(d.gateway.sent) == 30
    assert all((b - a).total_seconds() >= 0.05 - 1e-9 for a, b in zip(paced, paced[1:], strict=False))
    assert (paced[-1] - paced[0]).total_seconds() >= 29 * 0.05 - 1e-9
