"""CONTRACT.md "SMS promotions" and the second round's "An SMS reply at risk": a service imports contacts
with the CLI, builds and sends a campaign through the API, the dispatcher texts through a Twilio double
(the SMS sandbox, TWILIO_API_URL), and the people reply through the signed `POST /sms/inbound`."""

from __future__ import annotations

import csv
import threading

import pytest
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

from referral_service.sms.sandbox import create_sandbox_app

from .conftest import BIRMINGHAM_SMI, CRISIS_LINES, SHEFFIELD_SMI, cli, referral, signed_sms, token

HEADER = ["person_ref", "first_name", "mobile", "postcode", "conditions", "in_secondary_mental_health_care",
          "sms_consent", "sms_consent_recorded_at", "sms_consent_method"]


def person(ref, mobile, consent="granted", postcode="S10 2TN", conditions="psychosis;anxiety", smhc="true"):
    return [ref, f"Robin{ref}", mobile, postcode, conditions, smhc, consent, "2025-11-03" if consent else "",
            "verbal" if consent else ""]


ROWS = [
    person("A1", "07700 900301"),
    person("A2", "+44 7700 900302"),
    person("A3", "07700900303", consent="refused"),
    person("A4", "07700900304", consent=""),
    person("A5", "07700900305", consent="withdrawn"),
    person("A6", "0121 496 0306"),                       # a landline: never texted
    person("A7", "07700 900301"),                         # the same mobile as A1
    person("A8", "07700900308", postcode="SW1A 1AA"),    # London, outside the S audience
    person("A9", "07700900309"),                          # referred already (below)
]


@pytest.fixture
def sandbox(app):
    fake = create_sandbox_app(account_sid=app.config["TWILIO_ACCOUNT_SID"], auth_token=app.config["TWILIO_AUTH_TOKEN"],
                              inbound_url="http://127.0.0.1:9/sms/inbound", callback_delay=0.0)
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # PUBLIC_BASE_URL on a closed port: the double's status callbacks must not reach someone else's server on :5000.
    app.config.update(TWILIO_API_URL=f"http://127.0.0.1:{server.server_port}", SMS_SEND_WINDOW="always",
                      SMS_RATE_PER_SECOND=100, PUBLIC_BASE_URL="http://127.0.0.1:9")
    yield fake
    server.shutdown()


@pytest.fixture
def contacts_file(tmp_path):
    path = tmp_path / "contacts.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    return path


def campaign(client, headers, name="December drop-in", prefixes=("S",)):
    response = client.post("/api/v1/campaigns", headers=headers, json={
        "service_id": SHEFFIELD_SMI, "name": name, "template": "Hi {first_name}, {service_name} can help you find work: {link}",
        "audience": {"pathway": "ips_smi", "postcode_prefixes": list(prefixes)}})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@pytest.fixture
def sheffield(app):
    return token(app, "service", SHEFFIELD_SMI)


@pytest.fixture
def imported(app, contacts_file):
    result = cli(app, ["contacts", "import", "--service", SHEFFIELD_SMI, str(contacts_file)])
    assert result.exit_code == 0, result.output
    return result


def test_import_reports_bad_rows_and_a_reimport_changes_nothing(app, imported, contacts_file, client, sheffield):
    again = cli(app, ["contacts", "import", "--service", SHEFFIELD_SMI, str(contacts_file)])
    assert again.exit_code == 0, again.output
    first = client.get(f"/api/v1/campaigns/{campaign(client, sheffield)}/preview", headers=sheffield).get_json()
    second = client.get(f"/api/v1/campaigns/{campaign(client, sheffield, 'again')}/preview", headers=sheffield).get_json()
    assert first["recipients"] == second["recipients"]


def test_preview_names_each_exclusion_reason(app, imported, client, sheffield):
    referral(client, phone="+447700900309", facts={"age": 33, "postcode": "S10 2TN", "conditions": ["psychosis"],
                                                    "wants_paid_work": True},
             consents={"share_with_service": True, "sms_promotions": True})
    preview = client.get(f"/api/v1/campaigns/{campaign(client, sheffield)}/preview", headers=sheffield)
    assert preview.status_code == 200
    body = preview.get_json()
    excluded = body["excluded"]
    assert body["recipients"] == 2, body  # 301 and 302 only
    assert excluded.get("no_consent", 0) == 2
    assert excluded.get("withdrawn", 0) == 1
    assert excluded.get("outside_audience", 0) == 1
    assert excluded.get("already_referred", 0) == 1
    assert excluded.get("duplicate_mobile", 0) == 1
    # the landline is either rejected at import or counted here; never a recipient
    assert all("0306" not in str(s) for s in body["sample"])
    assert body["segments_per_message"] >= 1


def send_and_dispatch(app, client, headers, campaign_id):
    response = client.post(f"/api/v1/campaigns/{campaign_id}/send", headers=headers)
    assert response.status_code == 202, response.get_json()
    result = cli(app, ["dispatch", "--until-idle"])
    assert result.exit_code == 0, result.output
    state = client.get(f"/api/v1/campaigns/{campaign_id}", headers=headers).get_json()
    assert set(state["counts"]) >= {"queued", "sent", "delivered", "failed", "undelivered", "skipped"}
    return state


def test_a_campaign_is_sent_once_to_each_recipient(app, imported, client, sheffield, sandbox):
    state = send_and_dispatch(app, client, sheffield, campaign(client, sheffield))
    assert state["counts"]["sent"] + state["counts"]["delivered"] == 3  # 301, 302, 309


@pytest.mark.parametrize("words, level", [
    ("cant do this no more gonna end it 2nite", "urgent"),
    ("i took all my pills", "urgent"),
    ("whats the point of me even being here", "check"),
])
def test_a_reply_at_risk_gets_the_crisis_lines_is_listed_with_its_level_and_is_a_safety_event(
        app, imported, client, sheffield, sandbox, words, level):
    send_and_dispatch(app, client, sheffield, campaign(client, sheffield))
    reply = signed_sms(app, client, words, "+447700900302", "SM" + "7" * 32)
    assert reply.status_code == 200
    text = reply.get_data(as_text=True).replace("&amp;", "&")
    for line in CRISIS_LINES:
        assert line in text, (line, text)
    replies = client.get("/api/v1/sms/replies", headers=sheffield).get_json()["replies"]
    assert [r["risk_level"] for r in replies if r["body"] == words] == [level]
    events = client.get("/api/v1/safety-events", headers=sheffield).get_json()
    mine = [e for e in events["safety_events"] if e.get("text") == words]
    assert len(mine) == 1 and mine[0]["risk_level"] == level and mine[0]["phone"] == "+447700900302"
    # another service does not see it; an admin does
    birmingham = client.get("/api/v1/safety-events", headers=token(app, "service", BIRMINGHAM_SMI)).get_json()
    assert not [e for e in birmingham["safety_events"] if e.get("text") == words]
    admin = client.get("/api/v1/safety-events", headers=token(app, "admin")).get_json()
    assert [e for e in admin["safety_events"] if e.get("text") == words]


def test_an_ordinary_reply_has_no_risk_level(app, imported, client, sheffield, sandbox):
    send_and_dispatch(app, client, sheffield, campaign(client, sheffield))
    reply = signed_sms(app, client, "is it near hillsborough? i'd kill for a job there", "+447700900301", "SM" + "8" * 32)
    assert "116 123" not in reply.get_data(as_text=True)
    replies = client.get("/api/v1/sms/replies", headers=sheffield).get_json()["replies"]
    assert [r["risk_level"] for r in replies] == [None]


def test_a_bad_signature_is_refused(app, client):
    response = client.post("/sms/inbound", data={"From": "+447700900301", "Body": "STOP", "MessageSid": "SM1"},
                           headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert response.status_code == 403


@pytest.mark.parametrize("stop", ["  stop ", "Unsubscribe", "optout", "QUIT"])
def test_stop_withdraws_and_start_restores(app, imported, client, sheffield, sandbox, stop):
    send_and_dispatch(app, client, sheffield, campaign(client, sheffield))
    assert signed_sms(app, client, stop, "+447700900302", "SM" + "1" * 32).status_code == 200
    after_stop = client.get(f"/api/v1/campaigns/{campaign(client, sheffield, 'next')}/preview", headers=sheffield).get_json()
    assert after_stop["excluded"].get("withdrawn", 0) == 2  # A5 and now A2
    assert signed_sms(app, client, "start", "+447700900302", "SM" + "2" * 32).status_code == 200
    after_start = client.get(f"/api/v1/campaigns/{campaign(client, sheffield, 'later')}/preview", headers=sheffield).get_json()
    assert after_start["excluded"].get("withdrawn", 0) == 1


def test_start_never_grants_what_the_person_refused(app, imported, client, sheffield, sandbox):
    # A3 refused on paper; a START from that number is not a grant (issue 10 finding 1)
    signed_sms(app, client, "START", "+447700900303", "SM" + "3" * 32)
    signed_sms(app, client, "yes", "+447700900303", "SM" + "4" * 32)
    preview = client.get(f"/api/v1/campaigns/{campaign(client, sheffield)}/preview", headers=sheffield).get_json()
    assert preview["excluded"].get("no_consent", 0) == 2


@pytest.mark.parametrize("word", ["HELP", " info "])
def test_help_replies_with_help(app, client, word):
    response = signed_sms(app, client, word, "+447700900301", "SM" + "5" * 32)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<Message>" in text and "STOP" in text


@pytest.mark.parametrize("words", ["STOP i wanna die", "i sliced my wrist last nite", "HELP me i want to end it",
                                   "ive took 40 co-codamol"])
def test_risk_comes_before_any_keyword_even_from_a_number_never_texted(app, client, words):
    reply = signed_sms(app, client, words, "+447700900888", "SM" + "6" * 32)
    text = reply.get_data(as_text=True).replace("&amp;", "&")
    for line in CRISIS_LINES:
        assert line in text, f"missed crisis by SMS: {words!r} -> {text[:160]!r}"
    admin = token(app, "admin")
    replies = client.get("/api/v1/sms/replies", headers=admin).get_json()["replies"]
    assert [r["risk_level"] for r in replies if r["body"] == words] == ["urgent"]
    events = client.get("/api/v1/safety-events", headers=admin).get_json()["safety_events"]
    assert [e["phone"] for e in events if e.get("text") == words] == ["+447700900888"]


def test_a_second_campaign_soon_after_is_held_back_by_the_frequency_cap(app, imported, client, sheffield, sandbox):
    send_and_dispatch(app, client, sheffield, campaign(client, sheffield))
    preview = client.get(f"/api/v1/campaigns/{campaign(client, sheffield, 'follow-up')}/preview", headers=sheffield).get_json()
    assert preview["recipients"] == 0 and preview["excluded"].get("frequency_cap", 0) == 3


def test_yes_after_stop_restores_only_what_the_stop_took_away(app, client, sheffield, tmp_path):
    both = tmp_path / "both.csv"
    for service, consent, postcode in ((SHEFFIELD_SMI, "granted", "S10 2TN"), (BIRMINGHAM_SMI, "refused", "B15 2TT")):
        with open(both, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerow(person("Z1", "07700 900777", consent=consent, postcode=postcode))
        assert cli(app, ["contacts", "import", "--service", service, str(both)]).exit_code == 0
    birmingham = token(app, "service", BIRMINGHAM_SMI)

    def recipients(headers, service, prefix):
        created = client.post("/api/v1/campaigns", headers=headers, json={
            "service_id": service, "name": "check", "template": "Hi {first_name}: {link}",
            "audience": {"pathway": "ips_smi", "postcode_prefixes": [prefix]}}).get_json()
        return client.get(f"/api/v1/campaigns/{created['id']}/preview", headers=headers).get_json()["recipients"]

    assert (recipients(sheffield, SHEFFIELD_SMI, "S"), recipients(birmingham, BIRMINGHAM_SMI, "B")) == (1, 0)
    signed_sms(app, client, "Stop", "+447700900777", "SM" + "a" * 32)
    assert recipients(sheffield, SHEFFIELD_SMI, "S") == 0
    signed_sms(app, client, "YES", "+447700900777", "SM" + "b" * 32)
    assert (recipients(sheffield, SHEFFIELD_SMI, "S"), recipients(birmingham, BIRMINGHAM_SMI, "B")) == (1, 0)


def test_a_bare_yes_nobody_asked_for_is_not_an_opt_in(app, imported, client, sheffield):
    signed_sms(app, client, "yes", "+447700900304", "SM" + "c" * 32)  # A4: consent unknown
    preview = client.get(f"/api/v1/campaigns/{campaign(client, sheffield)}/preview", headers=sheffield).get_json()
    assert preview["recipients"] == 3 and preview["excluded"].get("no_consent", 0) == 2  # 301, 302, 309


def test_import_reports_rejected_rows_by_number_and_reason_and_a_missing_file_fails(app, contacts_file):
    with open(contacts_file, "a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(person("B1", "07700900399", conditions="flu"))
    result = cli(app, ["contacts", "import", "--service", SHEFFIELD_SMI, str(contacts_file)])
    assert result.exit_code == 0, result.output
    assert "invalid_mobile" in result.output and "7" in result.output  # the landline, on line 7 after the header
    assert "11" in result.output  # the unknown condition, line 11
    missing = cli(app, ["contacts", "import", "--service", SHEFFIELD_SMI, str(contacts_file) + ".gone"])
    assert missing.exit_code != 0


def test_every_text_has_a_status_callback_under_public_base_url_and_a_signed_callback_counts(
        app, imported, client, sheffield, sandbox):
    campaign_id = campaign(client, sheffield)
    send_and_dispatch(app, client, sheffield, campaign_id)
    messages = sandbox.extensions["sms_sandbox"].messages
    assert len(messages) == 3
    base = app.config["PUBLIC_BASE_URL"]
    for message in messages:
        assert message["_callback"] and message["_callback"].startswith(base + "/sms/status"), message["_callback"]
    validator = RequestValidator(app.config["TWILIO_AUTH_TOKEN"])
    for message in messages:
        path = message["_callback"][len(base):]
        data = {"MessageSid": message["sid"], "MessageStatus": "delivered", "To": message["to"],
                "AccountSid": app.config["TWILIO_ACCOUNT_SID"]}
        response = client.post(path, data=data, headers={"X-Twilio-Signature": validator.compute_signature(base + path, data)})
        assert response.status_code in (200, 204), response.get_data(as_text=True)
    forged = client.post(path, data=data, headers={"X-Twilio-Signature": "Zm9yZ2Vk"})
    assert forged.status_code == 403
    counts = client.get(f"/api/v1/campaigns/{campaign_id}", headers=sheffield).get_json()["counts"]
    assert counts["delivered"] == 3, counts


def test_the_pathway_audience_keeps_the_unknown_and_drops_only_those_the_rules_rule_out(app, client, sheffield, tmp_path):
    path = tmp_path / "mixed.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerow(person("U1", "07700900841", conditions="", smhc=""))            # unknown: may be eligible
        writer.writerow(person("U2", "07700900842", conditions="anxiety", smhc="false"))  # ruled out of IPS for SMI
        writer.writerow(person("U3", "07700900843", conditions="personality_disorder", smhc="true"))
    assert cli(app, ["contacts", "import", "--service", SHEFFIELD_SMI, str(path)]).exit_code == 0
    preview = client.get(f"/api/v1/campaigns/{campaign(client, sheffield)}/preview", headers=sheffield).get_json()
    assert preview["recipients"] == 2 and preview["excluded"].get("outside_audience", 0) == 1, preview
