"""The safety list (CONTRACT.md "The conversation, safe and forgiving": an SMS reply at risk appears in the
service's safety list): a service sees and follows up its own events only; reviewing needs the csrf_token."""

from __future__ import annotations

from referral_service.db import connect_for
from referral_service.storage import safety_events

from .conftest import BIRMINGHAM, SHEFFIELD, csrf_from, sign_in


def _event(app, service_id: str, text: str) -> str:
    db = connect_for(app)
    return safety_events.record_safety_event(db, channel="sms", risk_level="urgent", category="suicidal_thoughts",
                                             text=text, phone="+447700900777", service_id=service_id)


def test_a_service_sees_its_own_events_and_marks_them_followed_up(app, client, sheffield_user):
    mine = _event(app, SHEFFIELD, "i dont want to be here anymore")
    _event(app, BIRMINGHAM, "a message for another service")
    sign_in(client, sheffield_user)
    page = client.get("/safety")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "i dont want to be here anymore" in html and "a message for another service" not in html
    assert "Urgent" in html and "To follow up (1)" in html
    token = csrf_from(page)
    assert client.post(f"/safety/{mine}/review").status_code == 400  # no csrf_token
    assert client.post(f"/safety/{mine}/review", data={"csrf_token": token}).status_code == 303
    assert "To follow up (0)" in client.get("/safety").get_data(as_text=True)
    assert "i dont want to be here anymore" in client.get("/safety?show=reviewed").get_data(as_text=True)


def test_another_services_event_cannot_be_reviewed(app, client, sheffield_user):
    theirs = _event(app, BIRMINGHAM, "not yours")
    sign_in(client, sheffield_user)
    token = csrf_from(client.get("/safety"))
    assert client.post(f"/safety/{theirs}/review", data={"csrf_token": token}).status_code == 404
