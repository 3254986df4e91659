"""GET /api/v1/safety-events and POST /api/v1/safety-events/<id>/review (issue 9): a service sees and reviews
its own events, an admin all; a clinician gets 403; no token 401; documented in /openapi.json. The chat
and the form record events through record_safety_event, as SMS replies do."""

from __future__ import annotations

import pytest

from referral_service.db import connect_for
from referral_service.storage.safety_events import list_events, record_safety_event
from referral_service.storage.tokens import create_token


@pytest.fixture
def db(app):
    database = connect_for(app)
    yield database
    database.close()


@pytest.fixture
def events(db):
    """One event from each channel: the chat for Sheffield, the form for Birmingham, an SMS for no service."""
    return {
        "chat": record_safety_event(db, channel="chat", risk_level="urgent", category="self_harm",
                                    text="ive been cutting again", sender_id="web-123", service_id="sheffield-ips-smi"),
        "form": record_safety_event(db, channel="form", risk_level="check", category="passive_suicidal_thoughts",
                                    text="whats the point", service_id="birmingham-ips-smi", reference="IPS-7KQ3"),
        "sms": record_safety_event(db, channel="sms", risk_level="urgent", category="farewell", text="this is goodbye",
                                   phone="+447700900222"),
    }


def bearer(db, role, service=None):
    return {"Authorization": f"Bearer {create_token(db, role, service)[1]}"}


def test_a_service_sees_only_its_own_events(client, db, events):
    body = client.get("/api/v1/safety-events", headers=bearer(db, "service", "sheffield-ips-smi")).json
    assert [(e["id"], e["channel"], e["text"], e["sender_id"]) for e in body["safety_events"]] == [
        (events["chat"], "chat", "ive been cutting again", "web-123")]


def test_an_admin_sees_every_event_and_can_filter(client, db, events):
    headers = bearer(db, "admin")
    assert {e["id"] for e in client.get("/api/v1/safety-events", headers=headers).json["safety_events"]} == set(events.values())
    one = client.get("/api/v1/safety-events?service_id=birmingham-ips-smi", headers=headers).json["safety_events"]
    assert [(e["id"], e["reference"], e["risk_level"]) for e in one] == [(events["form"], "IPS-7KQ3", "check")]


def test_clinicians_are_refused_and_no_token_is_unauthorised(client, db, events):
    response = client.get("/api/v1/safety-events", headers=bearer(db, "clinician"))
    assert response.status_code == 403 and response.json["error"]["code"]
    response = client.get("/api/v1/safety-events")
    assert response.status_code == 401 and set(response.json["error"]) >= {"code", "message"}
    assert client.post(f"/api/v1/safety-events/{events['chat']}/review").status_code == 401
    assert client.post(f"/api/v1/safety-events/{events['chat']}/review", headers=bearer(db, "clinician")).status_code == 403


def test_a_service_marks_its_event_followed_up(client, db, events):
    headers = bearer(db, "service", "sheffield-ips-smi")
    response = client.post(f"/api/v1/safety-events/{events['chat']}/review", headers=headers)
    assert response.status_code == 200
    first = response.json
    assert first["reviewed"] is True and first["reviewed_at"] and first["reviewed_by"]
    # Idempotent: a second review changes nothing.
    assert client.post(f"/api/v1/safety-events/{events['chat']}/review", headers=headers).json == first
    assert client.get("/api/v1/safety-events?reviewed=false", headers=headers).json["count"] == 0
    assert client.get("/api/v1/safety-events?reviewed=true", headers=headers).json["count"] == 1


def test_another_services_or_an_admin_only_event_is_not_found(client, db, events):
    headers = bearer(db, "service", "sheffield-ips-smi")
    for event_id in (events["form"], events["sms"], "se_nonexistent", "x" * 5000):
        response = client.post(f"/api/v1/safety-events/{event_id}/review", headers=headers)
        assert response.status_code == 404 and response.json["error"]["code"]
    assert client.post(f"/api/v1/safety-events/{events['sms']}/review", headers=bearer(db, "admin")).status_code == 200


@pytest.mark.parametrize("query", ["reviewed=perhaps", "limit=0", "limit=100000", "limit=ten"])
def test_a_bad_query_is_a_400_in_the_error_shape(client, db, query):
    response = client.get(f"/api/v1/safety-events?{query}", headers=bearer(db, "admin"))
    assert response.status_code == 400 and set(response.json["error"]) == {"code", "message", "fields"}


def test_record_safety_event_refuses_an_unknown_channel_or_level(db):
    with pytest.raises(ValueError):
        record_safety_event(db, channel="email", risk_level="urgent", category=None, text="x")
    with pytest.raises(ValueError):
        record_safety_event(db, channel="chat", risk_level="high", category=None, text="x")
    assert list_events(db) == []


def test_the_endpoints_are_documented_with_bearer_security(client):
    spec = client.get("/openapi.json").json
    listing = spec["paths"]["/api/v1/safety-events"]["get"]
    review = spec["paths"]["/api/v1/safety-events/{event_id}/review"]["post"]
    for operation in (listing, review):
        assert {"bearer": []} in operation["security"]
        assert {"200", "401", "403"} <= set(operation["responses"])
    assert "404" in review["responses"]
