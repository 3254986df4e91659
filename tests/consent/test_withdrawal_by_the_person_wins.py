"""Pure consent rules behind issue 10 findings 1 and 3, without a server: what a texted STOP takes away and a
START gives back, and a person's own withdrawal winning over a grant someone else recorded for them.

Consent is specific to a purpose and to whom it was given, recorded with who/when/how, and as easy to withdraw as
to give (NHS England, *IPS for severe mental illness: guidance for ICSs* (2023), 'Integrating IPS and maximising
referrals').
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consent import SHARE_WITH_SERVICE, SMS_PROMOTIONS, ConsentRecord, may, sms_keywords

T0 = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
SHEFFIELD, BIRMINGHAM = "sheffield-ips-smi", "birmingham-ips-smi"


def _record(decision, scope, minutes, *, purpose=SMS_PROMOTIONS, by="import-tok", evidence=None, id_=None):
    return ConsentRecord(subject="phone:+447700900151", purpose=purpose, decision=decision, method="import",
                         recorded_by=by, wording_version="2024-1", wording_text="t", service_scope=scope,
                         recorded_at=T0 + timedelta(minutes=minutes), evidence=evidence or {}, id=id_ or minutes + 1)


def _stop(minutes, withdrew):
    return _record("withdrawn", "*", minutes, by="sms", evidence={sms_keywords.WITHDREW: withdrew,
                                                                  sms_keywords.ASKED_YES: True})


def test_a_stop_records_only_the_services_it_actually_withdrew():
    records = [_record("granted", SHEFFIELD, 0), _record("refused", BIRMINGHAM, 1)]
    assert sms_keywords.withdrawn_by_stop(records) == [SHEFFIELD]


def test_a_start_gives_back_only_what_the_stop_in_force_withdrew():
    records = [_record("granted", SHEFFIELD, 0), _record("refused", BIRMINGHAM, 1), _stop(2, [SHEFFIELD])]
    assert sms_keywords.restored_by_start(records) == [SHEFFIELD]


def test_a_yes_counts_only_while_our_question_is_the_last_thing_we_sent():
    records = [_record("granted", SHEFFIELD, 0), _stop(2, [SHEFFIELD])]
    assert sms_keywords.yes_answers_our_question(records, last_text_sent_at=T0)
    assert not sms_keywords.yes_answers_our_question(records, last_text_sent_at=T0 + timedelta(minutes=5))
    assert not sms_keywords.yes_answers_our_question([_record("granted", SHEFFIELD, 0)], last_text_sent_at=None)


def test_a_grant_recorded_by_a_service_after_the_persons_withdrawal_is_not_in_force():
    records = [_record("granted", SHEFFIELD, 0, purpose=SHARE_WITH_SERVICE, by="self"),
               _record("withdrawn", SHEFFIELD, 1, purpose=SHARE_WITH_SERVICE, by="self"),
               _record("granted", SHEFFIELD, 2, purpose=SHARE_WITH_SERVICE, by="service-tok")]
    assert may(SHARE_WITH_SERVICE, records, SHEFFIELD).allowed is False
    confirmed = [*records, _record("granted", SHEFFIELD, 3, purpose=SHARE_WITH_SERVICE, by="self")]
    assert may(SHARE_WITH_SERVICE, confirmed, SHEFFIELD).allowed is True


def test_a_service_grant_counts_when_the_person_never_withdrew():
    records = [_record("granted", SHEFFIELD, 2, purpose=SHARE_WITH_SERVICE, by="service-tok")]
    assert may(SHARE_WITH_SERVICE, records, SHEFFIELD).allowed is True
