"""The campaign preview: who would be texted, and every exclusion counted by its reason."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from consent import SMS_PROMOTIONS
from consent.policy import may
from referral_service.sms import audience
from referral_service.storage import campaigns
from referral_service.storage.consents import current_consent, phone_subject, record_consent
from referral_service.storage.referrals import insert_referral

from .conftest import row


def create(client, auth, **audience_):
    body = {"service_id": "sheffield-ips-smi", "name": "Spring promotion",
            "template": "Hi {first_name}, {service_name} helps people find work. Chat: {link}", "audience": audience_}
    response = client.post("/api/v1/campaigns", json=body, headers=auth)
    assert response.status_code == 201, response.json
    return response.json


def crafted_list():
    return [
        row("R1", "07700 900101"),                                     # texted
        row("R2", "07700900102", postcode="S10 1AA"),                    # texted
        row("N1", "07700 900103", consent=""),                           # no_consent (unknown)
        row("N2", "07700 900104", consent="refused"),                    # no_consent (refused)
        row("W1", "07700 900105", consent="withdrawn"),                  # withdrawn
        row("M1", "0114 496 0000"),                                      # invalid_mobile (landline)
        row("D1", "+44 7700 900101"),                                     # duplicate_mobile of R1
        row("O1", "07700 900106", postcode="SW1A 1AA"),                  # outside_audience (postcode)
        row("O2", "07700 900107", conditions="anxiety", smhc="false"),   # outside_audience (rules rule out SMI)
        row("A1", "07700 900108"),                                       # already_referred
        row("F1", "07700 900109"),                                       # frequency_cap
    ]


def test_preview_counts_every_exclusion_reason(app, client, db, auth, import_rows):
    import_rows(crafted_list())
    with db.conn:
        insert_referral(db, {"reference": "SMS-TEST-1", "pathway": "ips_smi", "service_id": "sheffield-ips-smi",
                             "source": "self", "phone_e164": "+447700900108"})
        db.execute("insert into sms_outbox (campaign_id, owner_service_id, service_id, phone_e164, body, segments, status, "
                   "next_attempt_at, created_at, updated_at) values ('CMP-OLD', 'sheffield-ips-smi', 'sheffield-ips-smi', "
                   "'+447700900109', 'x', 1, 'delivered', ?, ?, ?)", [datetime.now(UTC).isoformat()] * 3)
    campaign = create(client, auth, pathway="ips_smi", postcode_prefixes=["S"])
    preview = client.get(f"/api/v1/campaigns/{campaign['id']}/preview", headers=auth).json
    assert preview["recipients"] == 2
    assert preview["excluded"] == {"no_consent": 2, "withdrawn": 1, "invalid_mobile": 1, "duplicate_mobile": 1,
                                   "outside_audience": 2, "frequency_cap": 1, "already_referred": 1}
    assert preview["segments_per_message"] == max(s["segments"] for s in preview["sample"]) >= 1
    assert [s["person_ref"] for s in preview["sample"]] == ["R1", "R2"]
    assert "Sheffield IPS Employment Service" in preview["sample"][0]["text"]
    assert f"campaign={campaign['id']}&service=sheffield-ips-smi" in preview["sample"][0]["text"]
    assert "STOP" in preview["sample"][0]["text"]


def test_postcode_area_does_not_match_a_longer_area_nor_a_missing_postcode(client, auth, import_rows):
    import_rows([row("S", "07700 900201", postcode="S1 2AB"), row("SW", "07700 900202", postcode="SW1A 1AA"),
                 row("S10", "07700 900203", postcode="S10 1AA"), row("NONE", "07700 900204", postcode="")])
    area = create(client, auth, postcode_prefixes=["S"])
    district = create(client, auth, postcode_prefixes=["S1"])
    assert client.get(f"/api/v1/campaigns/{area['id']}/preview", headers=auth).json["recipients"] == 2
    assert client.get(f"/api/v1/campaigns/{district['id']}/preview", headers=auth).json["recipients"] == 1


def test_pathway_audience_keeps_people_whose_wish_to_work_is_unknown(client, auth, import_rows):
    import_rows([row("SMI", "07700 900301", conditions="bipolar"), row("UNK", "07700 900302", conditions="", smhc=""),
                 row("TT", "07700 900303", conditions="depression", smhc="false")])
    campaign = create(client, auth, pathway="ips_smi")
    preview = client.get(f"/api/v1/campaigns/{campaign['id']}/preview", headers=auth).json
    assert preview["recipients"] == 2 and preview["excluded"]["outside_audience"] == 1


def test_a_unicode_name_switches_to_ucs2_and_more_segments(client, auth, import_rows):
    import_rows([row("U", "07700 900401", first_name="Zoë-😀")])
    body = {"service_id": "sheffield-ips-smi", "name": "Long", "template": "Hi {first_name}. " + "x" * 100 + " {link}"}
    campaign = client.post("/api/v1/campaigns", json=body, headers=auth).json
    preview = client.get(f"/api/v1/campaigns/{campaign['id']}/preview", headers=auth).json
    assert preview["encoding"] == "UCS-2" and preview["segments_per_message"] >= 3


def test_an_area_wide_campaign_names_each_recipients_local_service(client, admin_token, import_rows):
    import_rows([row("SH", "07700 900501", postcode="S1 2AB"), row("DN", "07700 900502", postcode="DN1 3AA"),
                 row("TR", "07700 900503", postcode="TR1 1AA")], service_id="south_yorkshire")
    headers = {"Authorization": f"Bearer {admin_token}"}
    body = {"service_id": "south_yorkshire", "name": "ICS-wide", "template": "{service_name}: {link}",
            "audience": {"pathway": "ips_smi"}}
    campaign = client.post("/api/v1/campaigns", json=body, headers=headers).json
    assert campaign["routed"] is True
    preview = client.get(f"/api/v1/campaigns/{campaign['id']}/preview", headers=headers).json
    assert preview["recipients"] == 2
    assert preview["excluded"]["no_local_service"] == 1
    texts = {s["service_id"]: s["text"] for s in preview["sample"]}
    assert "Sheffield IPS" in texts["sheffield-ips-smi"] and "service=doncaster-ips-smi" in texts["doncaster-ips-smi"]


def test_a_service_token_cannot_see_another_services_campaign(client, auth, db):
    from referral_service.storage.tokens import create_token

    other = {"Authorization": f"Bearer {create_token(db, 'service', 'birmingham-ips-smi')[1]}"}
    campaign = create(client, auth)
    assert client.get(f"/api/v1/campaigns/{campaign['id']}", headers=other).status_code == 404
    body = {"service_id": "sheffield-ips-smi", "name": "x", "template": "{link}"}
    assert client.post("/api/v1/campaigns", json=body, headers=other).status_code == 403
    assert client.post("/api/v1/campaigns", json=body).status_code == 401


def test_bad_template_and_prefix_are_400(client, auth):
    body = {"service_id": "sheffield-ips-smi", "name": "x", "template": "Hi {surname}",
            "audience": {"postcode_prefixes": ["S1 2AB"], "pathway": "nope"}}
    response = client.post("/api/v1/campaigns", json=body, headers=auth)
    assert response.status_code == 400
    assert set(response.json["error"]["fields"]) >= {"template", "audience.postcode_prefixes", "audience.pathway"}


def test_sql_consent_check_agrees_with_the_consent_policy(app, db):
    """The preview's SQL and consent.policy.may give the same answer on varied histories."""
    rnd = random.Random(5)
    services = ["sheffield-ips-smi", "birmingham-ips-smi"]
    base = datetime(2025, 1, 1, tzinfo=UTC)
    phones = [f"+4477009006{i:02d}" for i in range(40)]
    with db.conn:
        for i, phone in enumerate(phones):
            db.execute("insert into sms_contacts (service_id, person_ref, phone_e164, conditions, row_hash, imported_at, "
                       "updated_at) values (?, ?, ?, '', 'h', 'x', 'x')", [services[0], f"P{i}", phone])
            for _ in range(rnd.randint(0, 5)):
                record_consent(db, subject=phone_subject(phone), purpose=SMS_PROMOTIONS,
                               decision=rnd.choice(["granted", "refused", "withdrawn"]),
                               method=rnd.choice(["import", "sms_keyword"]), recorded_by="test", wording_version="t",
                               wording_text="t", service_id=rnd.choice([*services, None]),
                               recorded_at=base + timedelta(days=rnd.choice([1, 2, 3, 3, 4])))
    campaign = {"id": "CMP-T", "service_id": services[0], "audience": {}, "routed": False, "template": "{link}"}
    sql = audience.phone_reasons(db, campaign)
    for phone in phones:
        answer = current_consent(db, phone_subject(phone), SMS_PROMOTIONS, services[0])
        history = db.query("select * from consent_records where subject = ?", [phone_subject(phone)])
        from consent import ConsentRecord

        full = may(SMS_PROMOTIONS, [ConsentRecord.from_dict(r) for r in history], services[0])
        assert answer.allowed == full.allowed
        assert (sql[phone] is None) == answer.allowed, phone
        if not answer.allowed:
            expected = "withdrawn" if answer.record is not None and answer.record.decision == "withdrawn" else "no_consent"
            assert sql[phone] == expected
    assert campaigns  # the storage module is importable alongside
