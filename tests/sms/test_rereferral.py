"""Being referred before never blocks a promotion after the area's re-referral wait (rules 1.1.0).

IPS Grow, Briefing note for commissioners §12e: commissioners decide how to treat people who exit and want
to be re-referred, sometimes with a minimum time before re-referral; NHS England 2023, Appendix 1: people
may "re-access the service after job loss". By default there is no wait: only an open referral blocks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from referral_service.sms import audience
from referral_service.storage.referrals import insert_referral

from .conftest import row

NOW = datetime(2026, 6, 2, 10, 0, tzinfo=UTC)


def _refer(db, reference, phone, finished_at=None):
    with db.conn:
        insert_referral(db, {"reference": reference, "pathway": "ips_smi", "service_id": "sheffield-ips-smi",
                             "source": "self", "phone_e164": phone})
        if finished_at is not None:
            db.execute("update referrals set status = 'closed', finished_at = ? where reference = ?",
                       [finished_at.isoformat(timespec="microseconds"), reference])


def _campaign():
    return {"service_id": "sheffield-ips-smi", "routed": False, "audience": {"pathway": "ips_smi"},
            "template": "Hi {first_name}", "id": "CMP-RE"}


def test_an_open_referral_blocks_a_finished_one_does_not(db, import_rows):
    import_rows([row("OPEN", "07700 900301"), row("DONE", "07700 900302"), row("NEW", "07700 900303")])
    _refer(db, "RE-OPEN-1", "+447700900301")
    _refer(db, "RE-DONE-1", "+447700900302", finished_at=NOW - timedelta(days=1))
    reasons = audience.phone_reasons(db, _campaign(), now=NOW)
    assert reasons == {"+447700900301": "already_referred", "+447700900302": None, "+447700900303": None}


def test_an_area_wait_blocks_until_it_is_over(db, import_rows, monkeypatch):
    import_rows([row("RECENT", "07700 900311"), row("LONG", "07700 900312")])
    _refer(db, "RE-RECENT-1", "+447700900311", finished_at=NOW - timedelta(days=30))
    _refer(db, "RE-LONG-1", "+447700900312", finished_at=NOW - timedelta(days=91))
    monkeypatch.setattr(audience, "rereferral_wait_days", lambda ruleset, service_id: 90)
    reasons = audience.phone_reasons(db, _campaign(), now=NOW)
    assert reasons == {"+447700900311": "already_referred", "+447700900312": None}
