"""Stored consent: append-only history, derived current state, withdrawal reflected at once."""

from __future__ import annotations

import pytest

from consent import SMS_PROMOTIONS
from referral_service.db import connect_for, driver_errors, write_transaction
from referral_service.storage import consents


@pytest.fixture
def db(app):
    database = connect_for(app)
    yield database
    database.conn.close()


def _sms(db, decision, service_id="sheffield-ips-smi", at=None, method="import"):
    return consents.record_consent(
        db, subject="phone:+447700900123", purpose=SMS_PROMOTIONS, decision=decision, method=method,
        recorded_by="tok_test", wording_version="2024-1", wording_text="Can we text you?", service_id=service_id,
        recorded_at=at,
    )


def test_stop_withdraws_sms_consent_for_every_service_at_once(db):
    _sms(db, "granted")
    assert consents.current_consent(db, "phone:+447700900123", SMS_PROMOTIONS, "sheffield-ips-smi").allowed
    _sms(db, "withdrawn", service_id=None, method="sms_keyword")
    answer = consents.current_consent(db, "phone:+447700900123", SMS_PROMOTIONS, "sheffield-ips-smi")
    assert answer.allowed is False and answer.record.service_scope == "*"


def test_withdrawal_keeps_the_history(db):
    _sms(db, "granted")
    _sms(db, "withdrawn", service_id=None, method="sms_keyword")
    history = consents.consent_history(db, "phone:+447700900123")
    assert [h["decision"] for h in history] == ["granted", "withdrawn"]
    assert history[0]["wording_text"] == "Can we text you?"


def test_consent_records_can_be_neither_changed_nor_deleted(db):
    _sms(db, "granted")
    with pytest.raises(driver_errors(), match="append-only"):
        db.execute("update consent_records set decision = 'refused'")
    with pytest.raises(driver_errors(), match="append-only"):
        db.execute("delete from consent_records")


def test_a_back_dated_import_does_not_override_a_newer_withdrawal(db):
    _sms(db, "withdrawn", service_id="sheffield-ips-smi", at="2024-05-01T10:00:00+00:00")
    _sms(db, "granted", at="2024-01-01T10:00:00+00:00")
    assert not consents.current_consent(db, "phone:+447700900123", SMS_PROMOTIONS, "sheffield-ips-smi").allowed


def test_recording_inside_the_callers_transaction_rolls_back_with_it(db):
    with pytest.raises(RuntimeError), write_transaction(db):
        _sms(db, "granted")
        raise RuntimeError("caller fails after recording")
    assert consents.consent_history(db, "phone:+447700900123") == []
    assert db.execute("select count(*) from consent_current").fetchone()[0] == 0


def test_many_subjects_at_once(db):
    _sms(db, "granted")
    answers = consents.current_consents(db, ["phone:+447700900123", "phone:+447700900124"], SMS_PROMOTIONS,
                                        "sheffield-ips-smi")
    assert answers["phone:+447700900123"].allowed and not answers["phone:+447700900124"].allowed


def test_current_state_can_be_rebuilt_from_history(db):
    _sms(db, "granted")
    _sms(db, "withdrawn", service_id=None)
    before = consents.consent_state(db, "phone:+447700900123")
    consents.rebuild_current(db)
    assert consents.consent_state(db, "phone:+447700900123") == before
