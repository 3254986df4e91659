"""Access by the MHSDS rules (NHS England, *IPS for severe mental illness: guidance for integrated care
systems* (2023), 'Access' and footnotes 13–14): access is the first appointment the person attends once
they have agreed to take part — which may be that very first session — by face to face, video, telephone
or talk type; email and SMS never count. It counts in the financial year in which it happened."""

from __future__ import annotations

from .helpers import accessed_on, contact, new_referral, outcomes, service_headers, status


def _referral(client, app, headers, reference):
    return client.get(f"/api/v1/referrals/{reference}", headers=headers).get_json()


def test_agreeing_during_the_first_phone_call_makes_it_the_access_before_any_status_change(app, client):
    # 'Access' (2023): agreement "may occur during the initial session, in which case it should be counted".
    headers = service_headers(app)
    reference = new_referral(client)
    body = contact(client, headers, reference, "phone", occurred_at="2024-04-02T10:00:00+01:00", agreed_to_start=True)
    assert body["counted_as_access"] is True
    assert body["accessed_at"] == "2024-04-02T10:00:00+01:00"
    # Accepting afterwards (and a later video call) does not move the access.
    status(client, headers, reference, "accepted")
    later = contact(client, headers, reference, "video", occurred_at="2024-04-09T10:00:00+01:00")
    assert later["counted_as_access"] is False
    assert _referral(client, app, headers, reference)["accessed_at"] == "2024-04-02T10:00:00+01:00"


def test_a_call_before_agreement_is_not_the_access_but_the_first_after_acceptance_is(app, client):
    headers = service_headers(app)
    reference = new_referral(client)
    early = contact(client, headers, reference, "phone", occurred_at="2024-04-01")
    assert early["counted_as_access"] is False and early["accessed_at"] is None
    status(client, headers, reference, "accepted")
    first = contact(client, headers, reference, "face_to_face", occurred_at="2024-04-05T14:00:00+01:00")
    assert first["counted_as_access"] is True and first["accessed_at"].startswith("2024-04-05T14:00")


def test_texts_and_emails_never_count_even_with_agreement_but_talk_type_does(app, client):
    # 2023 fn 13: "talk type for a person unable to speak" counts; "email or SMS, do not count as access".
    headers = service_headers(app)
    reference = new_referral(client)
    for channel in ("sms", "email", "letter"):
        body = contact(client, headers, reference, channel, occurred_at="2024-05-01", agreed_to_start=True)
        assert body["counted_as_access"] is False and body["accessed_at"] is None
    body = contact(client, headers, reference, "talk_type", occurred_at="2024-05-02", agreed_to_start=True)
    assert body["counted_as_access"] is True and body["accessed_at"].startswith("2024-05-02")


def test_the_access_is_the_earliest_agreed_contact_even_when_recorded_late(app, client):
    headers = service_headers(app)
    reference = new_referral(client)
    accessed_on(client, headers, reference, "2024-06-10")
    late = contact(client, headers, reference, "face_to_face", occurred_at="2024-06-03", agreed_to_start=True)
    assert late["counted_as_access"] is True and late["accessed_at"].startswith("2024-06-03")
    events = _referral(client, app, headers, reference)["events"]
    assert sum(e["counts_as_access"] for e in events) == 1


def test_attending_the_first_appointment_records_the_access_when_none_was(app, client):
    headers = service_headers(app)
    reference = new_referral(client)
    status(client, headers, reference, "accepted")
    body = status(client, headers, reference, "first_appointment_attended", occurred_at="2024-04-03T11:00:00+01:00")
    assert body["accessed_at"] == "2024-04-03T11:00:00+01:00"
    # …and never replaces one already recorded.
    other = new_referral(client)
    accessed_on(client, headers, other, "2024-04-01")
    status(client, headers, other, "accepted")
    assert status(client, headers, other, "first_appointment_attended")["accessed_at"].startswith("2024-04-01")


def test_an_access_counts_in_the_financial_year_it_happened_not_when_the_referral_was_made(app, client):
    headers = service_headers(app)
    april = new_referral(client)
    accessed_on(client, headers, april, "2024-04-02")
    march = new_referral(client)
    accessed_on(client, headers, march, "2024-03-31")
    # 23:30 UTC on 31 March 2024 is 00:30 on 1 April in UK summer time: 2024/25.
    midnight = new_referral(client)
    accessed_on(client, headers, midnight, "2024-03-31T23:30:00+00:00")
    assert outcomes(client, headers, "2024/25")["accessed"] == 2
    assert outcomes(client, headers, "2023/24")["accessed"] == 1
    # The referrals report counts accesses by the month of the access too.
    report = client.get("/api/v1/reports/referrals?financial_year=2024/25", headers=headers).get_json()
    assert report["accessed"] == 2


def test_contact_dates_are_checked(app, client):
    headers = service_headers(app)
    reference = new_referral(client)
    for bad in ("2999-01-01", "yesterday", "2024-13-01", "01/04/2024"):
        response = client.post(f"/api/v1/referrals/{reference}/contacts",
                               json={"channel": "phone", "occurred_at": bad}, headers=headers)
        assert response.status_code == 400, bad
        assert "occurred_at" in response.get_json()["error"]["fields"]


def test_an_employer_contact_is_never_the_access(app, client):
    headers = service_headers(app)
    reference = new_referral(client)
    body = contact(client, headers, reference, "face_to_face", occurred_at="2024-05-01", agreed_to_start=True,
                   **{"with": "employer"})
    assert body["counted_as_access"] is False and body["accessed_at"] is None and body["status"] == "received"
