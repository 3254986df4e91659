"""The consent record keeps the exact words the person saw: the chat's and the form's wording are
versions in consent/wording.py, and the referral says which version was shown."""

from __future__ import annotations

import html
import re

import yaml

from bot.actions.referral import CONSENT_WORDING_VERSION
from consent import SHARE_WITH_SERVICE, SMS_PROMOTIONS, WEB_CHAT, WEB_FORM, wording
from referral_service.db import connect
from tests.live_server import REPO


def _response(name: str) -> str:
    domain = yaml.safe_load((REPO / "bot" / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"][name][0]["text"]


def test_the_chat_shows_exactly_the_recorded_consent_wording():
    assert CONSENT_WORDING_VERSION == WEB_CHAT
    assert _response("utter_ask_consent_share_with_service") == wording(SHARE_WITH_SERVICE, WEB_CHAT).text
    assert _response("utter_ask_consent_sms") == wording(SMS_PROMOTIONS, WEB_CHAT).text


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, name
    return html.unescape(match.group(1))


def test_the_form_shows_the_recorded_wording_and_the_referral_records_that_version(app, client):
    facts = {"step": "facts", "wants_paid_work": "yes", "conditions": ["psychosis"], "age": "34", "postcode": "S1 2AB"}
    choose = client.post("/self-referral", data=facts).get_data(as_text=True)
    assert html.escape(wording(SHARE_WITH_SERVICE, WEB_FORM).text, quote=False) in choose
    done = client.post("/self-referral", data={
        "step": "refer", "facts": _hidden(choose, "facts"), "form_id": _hidden(choose, "form_id"),
        "pathway": "ips_smi", "consent_share_with_service": "yes", "first_name": "Robin", "phone": "07700 900321",
    })
    assert done.status_code in (200, 201), done.status_code
    db = connect(app.config["DATABASE_PATH"])
    try:
        rows = db.execute("select purpose, decision, method, wording_version, wording_text from consent_records").fetchall()
    finally:
        db.conn.close()
    share = [r for r in rows if r[0] == SHARE_WITH_SERVICE]
    assert share == [(SHARE_WITH_SERVICE, "granted", "web_chat", WEB_FORM, wording(SHARE_WITH_SERVICE, WEB_FORM).text)]
