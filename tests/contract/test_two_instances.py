"""CONTRACT.md "Scale-out": several `serve` instances against one database behind a load balancer — a
conversation whose turns land on alternate instances carries on, and an Idempotency-Key retried on the other
instance gives the same referral once. (Both instances use this run's database: the SQLite file, or the
PostgreSQL of DATABASE_URL.)"""

from __future__ import annotations

from referral_service import create_app

from .conftest import BOT_TOKEN, token


def twin(app):
    return create_app({"TESTING": True, "DATABASE_PATH": app.config["DATABASE_PATH"], "BOT_AUTH_TOKEN": BOT_TOKEN,
                       "RATELIMIT_ENABLED": False, "PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"]})


def test_a_conversation_carries_on_across_instances(app, client):
    other = twin(app).test_client()
    sender = "two-instances-1"
    turns = ["hi", "i want to find work", "bipolar", "39", "no"]
    for n, message in enumerate(turns):
        chosen = client if n % 2 == 0 else other
        assert chosen.post("/webhooks/rest/webhook", json={"sender": sender, "message": message}).status_code == 200
    for each in (client, other):
        slots = each.get(f"/conversations/{sender}/tracker?token={BOT_TOKEN}").get_json()["slots"]
        assert slots["conditions"] == ["bipolar"] and slots["age"] == 39 and slots["drug_alcohol_treatment"] is False
        assert slots["requested_slot"] == "postcode"


def test_an_idempotent_retry_on_the_other_instance_gives_the_same_referral_once(app, client):
    other = twin(app).test_client()
    body = {"pathway": "ips_smi", "facts": {"age": 52, "postcode": "S6 2LX", "conditions": ["mh_rehabilitation"],
                                             "wants_paid_work": True},
            "person": {"first_name": "Frankie", "phone": "+447700900733"}, "consents": {"share_with_service": True}}
    first = client.post("/api/v1/referrals", json=body, headers={"Idempotency-Key": "two-instances-733"})
    again = other.post("/api/v1/referrals", json=body, headers={"Idempotency-Key": "two-instances-733"})
    assert first.status_code == 201 and again.status_code in (200, 201)
    assert first.get_json() == again.get_json()
    listed = client.get("/api/v1/referrals", headers=token(app, "admin")).get_json()
    assert listed["count"] == 1
