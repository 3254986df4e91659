"""Whole conversations through the REST channel (POST /webhooks/rest/webhook), as a person has them."""

from __future__ import annotations

import re

import pytest

from tests.service.referral_helpers import make_token

REFERENCE = re.compile(r"reference number is ([A-Z0-9-]{6,16})")


def answer_until(chat, answers: dict[str, str], limit: int = 15) -> None:
    """Answer each question the bot asks (by the slot it requests) until it stops asking facts."""
    for _ in range(limit):
        slot = chat.slots["requested_slot"]
        if slot not in answers:
            return
        chat.say(answers[slot])
    raise AssertionError("the bot kept asking")


def refer(chat, name: str = "Sam", phone: str = "07700 900123", sms: str = "no") -> str:
    chat.say("yes")  # share my details (consent shown in full first)
    assert chat.slots["consent_share_with_service"] is True
    chat.say(name)
    chat.say(phone)
    chat.say(sms)
    match = REFERENCE.search(chat.text)
    assert match, chat.text
    return match.group(1)


def test_psychosis_in_sheffield_is_offered_ips_for_smi_and_self_refers(chat):
    person = chat("smi-1")
    person.say("hello")
    assert "0306 999 0123" in person.text  # a phone route to a person, from the start
    person.press("Finding a job")
    assert person.slots["requested_slot"] == "conditions"
    person.say("I have schizophrenia")
    answer_until(person, {"age": "I'm 34", "drug_alcohol_treatment": "no", "postcode": "s1 2ab"})
    assert "IPS for severe mental illness" in person.text
    assert "Sheffield IPS" in person.text
    person.say("yes please")
    assert "share" in person.text.lower() and "change your mind" in person.text
    reference = refer(person, sms="yes")
    slots = person.slots
    assert slots["referral_reference"] == reference
    assert slots["first_name"] == "Sam" and slots["phone"] == "+447700900123"
    assert slots["consent_sms"] is True
    assert slots["conditions"] == ["psychosis"] and slots["age"] == 34 and slots["postcode"] == "S1 2AB"


def test_the_bot_never_asks_a_question_already_answered(chat):
    person = chat("order-1")
    person.say("I want a job")
    answers = {"conditions": "anxiety", "age": "34", "right_to_work_uk": "yes", "drug_alcohol_treatment": "no",
               "other_dwp_employment_programme": "no", "talking_therapies": "no", "postcode": "B1 1AA"}
    asked = []
    while (slot := person.slots["requested_slot"]) in answers:
        assert slot not in asked, (slot, asked)
        asked.append(slot)
        person.say(answers[slot])
    # The age was given early ("I'm 34" in the first answer): it is never asked.
    other = chat("order-2")
    other.say("I want a job")
    other.say("I'm 29 and I have depression")
    assert other.slots["age"] == 29 and other.slots["conditions"] == ["depression"]
    while (slot := other.slots["requested_slot"]) in answers:
        assert slot != "age"
        other.say(answers[slot])


def test_overlap_is_explained_and_the_person_chooses(chat):
    person = chat("overlap-1")
    person.say("hi")
    person.press("Finding a job")
    person.press("Anxiety")
    answer_until(person, {"age": "41", "right_to_work_uk": "yes", "drug_alcohol_treatment": "no",
                          "other_dwp_employment_programme": "no", "talking_therapies": "yes I'm having it now",
                          "postcode": "S1 2AB"})
    assert "IPS in primary care" in person.text
    assert "Employment Advisers in NHS Talking Therapies" in person.text
    assert "You choose" in person.text
    person.say("yes")
    assert person.slots["chosen_pathway"] == "ips_primary_care"
    refer(person)


def test_not_eligible_gets_signposting_and_a_phone_route(chat):
    person = chat("none-1")
    person.say("hi")
    person.press("Finding a job")
    person.press("None of these")
    answer_until(person, {"drug_alcohol_treatment": "no", "age": "30", "right_to_work_uk": "yes"})
    assert "cannot help you just now. This is why:" in person.text  # the deciding criterion, in plain words
    assert "mental or physical health" in person.text
    assert "Jobcentre Plus" in person.text
    assert "0306 999 0123" in person.text
    assert person.tracker()["active_loop"]["name"] is None


def test_drug_and_alcohol_pathway_explains_the_treatment_team_route(chat):
    person = chat("dna-1")
    person.say("I want to find work")
    person.press("None of these")
    answer_until(person, {"drug_alcohol_treatment": "yes", "age": "45", "right_to_work_uk": "yes", "postcode": "S1 2AB"})
    assert "IPS in drug and alcohol treatment" in person.text
    assert "0114" in person.text  # the local service's phone number


def test_no_local_service_in_cornwall_for_primary_care(chat):
    person = chat("tr-1")
    person.say("I want a job")
    person.press("A physical health condition")
    answer_until(person, {"age": "50", "right_to_work_uk": "yes", "drug_alcohol_treatment": "no",
                          "other_dwp_employment_programme": "no", "postcode": "TR1 2AB"})
    assert "0306 999 0123" in person.text
    assert person.slots["referral_reference"] is None


@pytest.mark.parametrize("risk, level", [("I want to kill myself", "urgent"), ("i cant go on anymore", "check"),
                                         ("thinking of taking all my tablets", "urgent")])
def test_crisis_in_the_middle_of_the_form_shows_urgent_help_and_stops_the_questions(chat, risk, level):
    """CONTRACT.md "Risk first": urgent stops the form; check asks directly; both show the crisis lines."""
    person = chat("crisis-1")
    person.say("I want to find a job")
    person.say("depression")
    asked = person.slots["requested_slot"]
    person.say(risk)
    for number in ("999", "A&E", "111", "option 2", "116 123", "SHOUT", "85258"):
        assert number in person.text
    assert all(m.get("custom", {}).get("kind") == "urgent" for m in person.replies)  # shown as an urgent card
    tracker = person.tracker()
    assert tracker["active_loop"]["name"] is None and tracker["slots"]["requested_slot"] is None
    assert tracker["slots"]["risk_level"] == level
    person.say("what is ips")
    assert "IPS" in person.text  # answered, and still paused: no question slipped in
    assert ("hold" if level == "urgent" else "ending your life") in person.text
    assert person.tracker()["active_loop"]["name"] is None
    person.say("carry on" if level == "urgent" else "no im ok")
    assert person.tracker()["active_loop"]["name"] == "eligibility_form"
    assert person.slots["requested_slot"] == asked
    assert person.slots["conditions"] == ["depression"]


def test_crisis_at_the_first_message(chat):
    person = chat("crisis-2")
    person.say("i feel suicidal")
    assert "116 123" in person.text and "999" in person.text


def test_start_again_clears_every_answer(chat):
    person = chat("restart-1")
    person.say("I want a job")
    person.say("bipolar")
    assert person.slots["conditions"] == ["bipolar"]
    person.say("start again")
    assert person.slots["conditions"] == ["bipolar"]  # nothing is cleared before the person confirms
    assert [b["title"] for b in person.buttons] == ["Yes, start again", "No, carry on"]
    person.press("Yes, start again")
    slots = person.slots
    assert slots["conditions"] is None and slots["wants_paid_work"] is None
    assert person.tracker()["active_loop"]["name"] is None
    assert "What would you like help with?" in person.text


def test_stop_ends_the_questions_and_offers_a_person(chat):
    person = chat("stop-1")
    person.say("I want a job")
    person.say("stop")
    assert "0306 999 0123" in person.text
    assert person.tracker()["active_loop"]["name"] is None


@pytest.mark.parametrize("question, expected", [
    ("tell me about IPS", "Individual Placement and Support"),
    ("will it affect my benefits", "benefits"),
    ("do I have to be well first", "You do not have to be well first"),
])
def test_questions_are_answered_in_the_middle_of_the_form_and_the_form_goes_on(chat, question, expected):
    person = chat("faq-1")
    person.say("I want a job")
    person.say("anxiety")
    asked = person.slots["requested_slot"]
    person.say(question)
    assert expected in person.text
    assert person.slots["requested_slot"] == asked
    assert person.tracker()["active_loop"]["name"] == "eligibility_form"


def test_two_people_at_once_never_see_each_others_answers(chat):
    alex, bo = chat("alex"), chat("bo")
    alex.say("I want a job")
    bo.say("I want to keep my job")
    alex.say("psychosis")
    bo.say("anxiety")
    alex.say("34")
    assert alex.slots["conditions"] == ["psychosis"] and alex.slots["age"] == 34
    assert bo.slots["conditions"] == ["anxiety"] and bo.slots["age"] is None
    assert bo.slots["employment_status"] == "in_work" and alex.slots["employment_status"] == "out_of_work"


def test_unsure_answers_are_skipped_and_not_asked_again(chat):
    person = chat("unsure-1")
    person.say("I want a job")
    person.say("anxiety")
    while person.slots["requested_slot"] not in (None, "right_to_work_uk"):
        person.say({"age": "30", "drug_alcohol_treatment": "no"}.get(person.slots["requested_slot"], "no"))
    person.say("not sure")
    assert person.slots["requested_slot"] != "right_to_work_uk"
    assert "right_to_work_uk" in person.slots["unsure_facts"]


def test_a_tracked_campaign_link_refers_with_its_campaign_and_service(app, chat):
    sent = []

    class Recorder:
        def create_referral(self, payload, idempotency_key):
            from referral_service.chat.client import InProcessReferralClient

            sent.append((payload, idempotency_key))
            response = InProcessReferralClient(app).create_referral(payload, idempotency_key)
            return response

    app.config["BOT_REFERRAL_CLIENT"] = Recorder()
    _, headers = make_token(app, "service", "sheffield-ips-smi")
    created = app.test_client().post("/api/v1/campaigns", headers=headers, json={
        "service_id": "sheffield-ips-smi", "name": "Spring", "template": "Hi {first_name}: {link}"})
    assert created.status_code == 201, created.get_json()
    campaign = created.get_json()["id"]
    person = chat("campaign-1", metadata={"campaign": campaign, "service": "sheffield-ips-smi"})
    person.say("hi")
    person.press("Finding a job")
    person.press("Bipolar")
    answer_until(person, {"age": "29", "drug_alcohol_treatment": "no", "postcode": "S10 2TN"})
    person.say("yes")
    refer(person)
    payload, key = sent[0]
    assert payload["source"] == "sms_campaign" and payload["campaign_id"] == campaign
    assert payload["service_id"] == "sheffield-ips-smi"
    assert payload["consents"] == {"share_with_service": True, "sms_promotions": False}
    assert "bipolar" in payload["summary"]
    person.say("yes")  # a repeated "yes" never makes a second referral
    assert len(sent) == 1 and key.startswith("chat-")


def test_tracker_needs_the_bot_token(client, chat):
    chat("private").say("hi")
    assert client.get("/conversations/private/tracker").status_code == 401
    assert client.get("/conversations/private/tracker?token=wrong").status_code == 401
    body = client.get("/conversations/private/tracker?token=test-bot-token").get_json()
    assert body["sender_id"] == "private"
    assert body["latest_message"]["intent"]["name"] == "greet"
    assert set(body["slots"]) >= {"age", "postcode", "conditions", "consent_share_with_service", "consent_sms", "phone",
                                  "first_name", "referral_reference", "requested_slot"}


@pytest.mark.parametrize("body, status, code", [
    (b"not json", 400, "invalid_json"),
    (b"[1, 2]", 400, "invalid_json"),
    (b'{"message": "hi"}', 400, "validation_error"),
    (b'{"sender": "x"}', 400, "validation_error"),
    (b'{"sender": "x", "message": "' + b"a" * 3000 + b'"}', 413, "payload_too_large"),
    (b'{"sender": "x", "message": "' + b"a" * 70000 + b'"}', 413, "payload_too_large"),
])
def test_bad_input_to_the_webhook_gets_the_contract_error_shape(client, body, status, code):
    response = client.post("/webhooks/rest/webhook", data=body, content_type="application/json")
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]


def test_the_web_chat_page_and_the_openapi_document(client):
    page = client.get("/")
    assert page.status_code == 200 and b'aria-live="polite"' in page.data and b"/self-referral" in page.data
    spec = client.get("/openapi.json").get_json()
    assert "/webhooks/rest/webhook" in spec["paths"]
    assert {"400", "413"} <= set(spec["paths"]["/webhooks/rest/webhook"]["post"]["responses"])
    assert "401" in spec["paths"]["/conversations/{sender}/tracker"]["get"]["responses"]
    assert "/" not in spec["paths"]  # the chat page is a page, not API
    for path, method in [("/webhooks/rest/webhook", "post"), ("/conversations/{sender}/tracker", "get")]:
        assert "application/json" in spec["paths"][path][method]["responses"]["200"]["content"]
    assert client.get("/chat/static/chat.js").status_code == 200


def test_a_chat_message_at_risk_is_recorded_as_a_safety_event_for_follow_up(app, chat):
    """Issue 9 item 3 / CONTRACT.md: messages at risk reach the service's safety list, with the words."""
    from referral_service.db import connect_for
    from referral_service.storage import safety_events

    person = chat("safety-event-1", metadata={"service": "sheffield-ips-smi"})
    person.say("I want a job")
    person.say("i want to kill myself")
    person.say("no im ok, carry on")
    db = connect_for(app)
    try:
        events = safety_events.list_events(db)
    finally:
        db.conn.close()
    assert [(e["channel"], e["risk_level"], e["sender_id"], e["service_id"], e["text"]) for e in events] == [
        ("chat", "urgent", "safety-event-1", "sheffield-ips-smi", "i want to kill myself")]


def test_a_landline_is_accepted_but_never_asked_about_texts(app, chat):
    """FIELD-NOTES: texts are offered only for a mobile; a landline gets no text consent recorded."""
    person = chat("landline-1")
    person.say("I want a job")
    person.say("I have schizophrenia")
    answer_until(person, {"age": "40", "drug_alcohol_treatment": "no", "postcode": "S1 2AB"})
    person.say("yes please")
    person.say("yes")
    person.say("Robin")
    person.say("0121 496 0123")
    assert "text" not in person.text.lower().replace("talk to", "")  # the texts question is never asked
    match = REFERENCE.search(person.text)
    assert match, person.text
    slots = person.slots
    assert slots["phone"] == "+441214960123" and slots["consent_sms"] is None
    from referral_service.db import connect_for

    db = connect_for(app)
    try:
        purposes = [row[0] for row in db.execute("select purpose from consent_records").fetchall()]
    finally:
        db.conn.close()
    assert "sms_promotions" not in purposes and "share_with_service" in purposes


def test_the_referral_keeps_the_persons_own_words_beside_each_fact(app, chat):
    """Issue 9 item 5: "back pain" is kept as well as physical_health, and the summary reads plainly."""
    person = chat("own-words-1")
    person.say("I want a job")
    person.say("anxiety and back pain")
    answer_until(person, {"age": "41", "right_to_work_uk": "yes", "drug_alcohol_treatment": "no", "talking_therapies": "no",
                          "other_dwp_employment_programme": "no", "postcode": "B1 1AA"})
    person.say("yes please")
    reference = refer(person)
    _, headers = make_token(app, "admin")
    referral = app.test_client().get(f"/api/v1/referrals/{reference}", headers=headers).get_json()
    assert referral["facts"]["conditions"] == ["anxiety", "physical_health"]
    assert referral["facts"]["_words"]["conditions"] == "anxiety and back pain"
    assert '(in their words: "anxiety and back pain")' in referral["summary"]
    assert "Was not sure" not in referral["summary"]


def test_the_chat_history_gives_back_what_the_person_saw_for_a_reload(client, chat):
    """FIELD-NOTES: a reload showed nothing and sent a fake "Hello"; the page now asks for the history."""
    person = chat("history-1")
    person.say("/greet")  # the page's silent opening: not shown as something the person said
    person.press("Finding a job")
    person.say("/inform" + '{"conditions": ["anxiety", "physical_health"]}')
    messages = client.post("/chat/history", json={"sender": "history-1"}).get_json()["messages"]
    said = [m["text"] for m in messages if m["who"] == "user"]
    assert said == ["Finding a job", "Anxiety, A physical health condition"]
    assert messages[-1]["who"] == "bot" and "How old are you?" in messages[-1]["text"]
    assert client.post("/chat/history", json={"sender": "nobody-yet"}).get_json() == {"messages": []}
    for body in ({}, {"sender": "bad sender!"}, ["x"]):
        response = client.post("/chat/history", json=body)
        assert response.status_code == 400
        assert set(response.get_json()["error"]) == {"code", "message", "fields"}
