"""Consent is specific to a purpose and a service, never assumed, and as easy to withdraw as to give."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from consent import (
    CONTACT_TREATMENT_TEAM,
    SHARE_WITH_SERVICE,
    SMS_PROMOTIONS,
    ConsentRecord,
    InvalidConsent,
    current_wording,
    may,
)

T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)


def _record(purpose=SMS_PROMOTIONS, decision="granted", scope="sheffield-ips-smi", at=T0, id=None, method="import"):
    return ConsentRecord(
        subject="phone:+447700900123", purpose=purpose, decision=decision, method=method, recorded_by="tok_test",
        wording_version="2024-1", wording_text="Can we text you?", service_scope=scope, recorded_at=at, id=id,
    )


def test_no_record_means_no_consent():
    answer = may(SHARE_WITH_SERVICE, [], "sheffield-ips-smi")
    assert answer.allowed is False and "No consent" in answer.reason and answer.record is None


def test_granted_consent_allows_with_a_reason():
    answer = may(SMS_PROMOTIONS, [_record()], "sheffield-ips-smi")
    assert answer.allowed is True and "agreed" in answer.reason and answer.record.decision == "granted"


def test_consent_is_specific_to_the_service_it_was_given_for():
    assert may(SMS_PROMOTIONS, [_record()], "birmingham-ips-smi").allowed is False


def test_consent_is_specific_to_its_purpose():
    assert may(CONTACT_TREATMENT_TEAM, [_record(purpose=SMS_PROMOTIONS)], "sheffield-ips-smi").allowed is False


def test_stop_to_all_services_overrides_an_earlier_opt_in():
    records = [_record(at=T0), _record(decision="withdrawn", scope="*", at=T0 + timedelta(days=1), method="sms_keyword")]
    answer = may(SMS_PROMOTIONS, records, "sheffield-ips-smi")
    assert answer.allowed is False and "withdrew" in answer.reason


def test_a_later_opt_in_wins_over_an_older_withdrawal():
    records = [_record(decision="withdrawn", scope="*", at=T0), _record(at=T0 + timedelta(days=2))]
    assert may(SMS_PROMOTIONS, records, "sheffield-ips-smi").allowed is True


def test_refusal_is_not_consent():
    answer = may(SMS_PROMOTIONS, [_record(decision="refused")], "sheffield-ips-smi")
    assert answer.allowed is False and "said no" in answer.reason


def test_records_at_the_same_moment_are_ordered_by_id():
    records = [_record(decision="withdrawn", at=T0, id=2), _record(at=T0, id=1)]
    assert may(SMS_PROMOTIONS, records, "sheffield-ips-smi").allowed is False


def test_a_record_dated_after_now_is_not_yet_in_force():
    records = [_record(at=T0), _record(decision="withdrawn", at=T0 + timedelta(days=5))]
    assert may(SMS_PROMOTIONS, records, "sheffield-ips-smi", now=T0 + timedelta(days=1)).allowed is True


@pytest.mark.parametrize("field,value", [("purpose", "marketing"), ("decision", "maybe"), ("method", "telepathy"),
                                         ("recorded_by", ""), ("wording_text", "")])
def test_a_record_must_say_what_how_who_and_what_the_person_was_told(field, value):
    kwargs = {"subject": "referral:IS-ABCDEF", "purpose": SHARE_WITH_SERVICE, "decision": "granted",
              "method": "web_chat", "recorded_by": "public", "wording_version": "2024-1", "wording_text": "text"}
    kwargs[field] = value
    with pytest.raises(InvalidConsent):
        ConsentRecord(**kwargs)


def test_every_purpose_has_versioned_wording():
    for purpose in (SHARE_WITH_SERVICE, CONTACT_TREATMENT_TEAM, SMS_PROMOTIONS):
        wording = current_wording(purpose)
        assert wording.version and len(wording.text) > 40
