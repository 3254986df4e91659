"""CONTRACT.md "Answers before commands", "Facts volunteered are kept", `go back`, "change my <fact>",
`start again` — through the REST channel and the tracker, in wordings the feature tests do not use."""

from __future__ import annotations

import pytest

ANSWERS = {"conditions": "anxiety", "age": "38", "right_to_work_uk": "yes i am", "drug_alcohol_treatment": "nope",
           "other_dwp_employment_programme": "no", "talking_therapies": "no", "postcode": "B15 2TT",
           "in_secondary_mental_health_care": "no", "employment_status": "out of work",
           "substance_use": "no", "wants_paid_work": "yes"}


def reach(person, slot: str, opening: str = "can u help me find work"):
    """Answer whatever is asked until the bot asks ``slot``."""
    person.say(opening)
    for _ in range(15):
        asked = person.asked
        if asked == slot:
            return person
        assert asked in ANSWERS, f"asked {asked!r} before {slot!r}"
        person.say(ANSWERS[asked])
    raise AssertionError(f"never asked {slot}")


@pytest.mark.parametrize("said, value", [
    ("waiting to start", "waiting"), ("im on the waiting list to start", "waiting"),
    ("start again next month, im waiting", "waiting"), ("having it now", "in_treatment"),
    ("finished it in the summer", "recently_discharged"),
])
def test_a_message_that_answers_talking_therapies_is_that_answer_not_a_command(chat, said, value):
    person = reach(chat("tt"), "talking_therapies")
    before = {k: v for k, v in person.slots.items() if k in ("conditions", "age")}
    person.say(said)
    slots = person.slots
    assert slots["talking_therapies"] == value, person.text
    assert {k: slots[k] for k in before} == before, "no answer may be cleared"
    assert "start again" not in person.text.lower()


@pytest.mark.parametrize("opening, facts, never", [
    ("hey im 52 and got bipolar, need work", {"age": 52, "conditions": ["bipolar"]}, {"age", "conditions"}),
    ("hi i'm 23, i live in S6 3AB and want a job", {"age": 23}, {"age", "postcode"}),
    ("looking for work, i have anxiety and depression and bad back", {"conditions": ["anxiety", "depression", "physical_health"]},
     {"conditions"}),
    ("hiya im 16 n i wanna job", {"age": 16}, {"age"}),
])
def test_facts_volunteered_are_kept_and_never_asked(chat, opening, facts, never):
    person = chat("volunteer")
    person.say(opening)
    slots = person.slots
    for fact, value in facts.items():
        got = slots.get(fact)
        if isinstance(value, list):
            assert sorted(got or []) == sorted(value), (fact, got)
        else:
            assert got == value, (fact, got)
    asked = []
    for _ in range(14):
        slot = person.asked
        if slot is None or slot not in ANSWERS:
            if slot in (None, "chosen_pathway", "consent_share_with_service"):
                break
            if slot == "wants_paid_work":
                person.say("yes")
                continue
            break
        asked.append(slot)
        person.say(ANSWERS[slot])
    assert not (set(asked) & never), f"asked again: {set(asked) & never}"


def test_go_back_asks_the_previous_question_again(chat):
    person = reach(chat("back"), "age")
    person.say("44")
    next_slot = person.asked
    assert next_slot not in (None, "age")
    person.say("go back")
    assert person.asked == "age"
    assert "old" in person.text.lower()
    person.say("45")
    assert person.slots["age"] == 45 and person.asked == next_slot


@pytest.mark.parametrize("words", ["back", "previous question", "go back pls"])
def test_other_ways_of_going_back(chat, words):
    person = reach(chat("back"), "age")
    person.say("44")
    person.say(words)
    assert person.asked == "age", person.text


def test_change_my_age_asks_the_age_again_and_keeps_the_rest(chat):
    person = reach(chat("change"), "age")
    person.say("27")
    person.say(ANSWERS[person.asked])
    conditions = person.slots["conditions"]
    person.say("can i change my age")
    assert person.asked == "age", person.text
    person.say("28")
    slots = person.slots
    assert slots["age"] == 28 and slots["conditions"] == conditions


def test_i_meant_x_not_y_corrects_that_fact(chat):
    person = chat("meant")
    person.say("i want a job")
    person.say("depression")
    assert person.asked == "age"
    person.say("oops i meant bipolar not depression")
    slots = person.slots
    assert "bipolar" in slots["conditions"] and "depression" not in slots["conditions"], person.text
    assert slots["age"] is None


@pytest.mark.parametrize("words", ["start again", "can we start over", "restart"])
def test_start_again_asks_to_confirm_with_buttons_and_clears_nothing_until_confirmed(chat, words):
    person = reach(chat("restart"), "right_to_work_uk")
    kept = {k: person.slots[k] for k in ("conditions", "age")}
    asked = person.asked
    person.say(words)
    assert person.buttons, "confirming needs buttons"
    assert {k: person.slots[k] for k in kept} == kept, "cleared before confirming"
    person.say("no")
    assert {k: person.slots[k] for k in kept} == kept
    assert person.asked == asked
    person.say(words)
    person.say(person.buttons[0]["payload"] if "affirm" in person.buttons[0]["payload"] else "yes")
    assert person.slots["age"] is None and person.slots["conditions"] in (None, [])


def test_a_button_payload_is_understood(chat):
    person = reach(chat("payload"), "talking_therapies")
    person.say('/inform{"talking_therapies": "recently_discharged"}')
    assert person.slots["talking_therapies"] == "recently_discharged"


def test_an_answer_with_a_fact_volunteered_beside_it_keeps_both(chat):
    person = reach(chat("beside"), "age")
    person.say("im 40 and i live in LS6 1AA")
    slots = person.slots
    assert slots["age"] == 40 and slots["postcode"] and slots["postcode"].replace(" ", "").upper() == "LS61AA"
    for _ in range(10):
        asked = person.asked
        assert asked != "postcode", "the postcode was given and is asked again"
        if asked not in ANSWERS:
            break
        person.say(ANSWERS[asked])


def test_i_meant_corrects_an_earlier_number(chat):
    person = reach(chat("meant-age"), "age")
    person.say("53")
    asked = person.asked
    person.say("sorry i meant 35 not 53")
    assert person.slots["age"] == 35
    assert person.asked == asked


@pytest.mark.parametrize("opening, facts", [
    ("hiya, asking for my daughter, she's 24 and has bipolar and wants a job", {"age": 24, "conditions": ["bipolar"]}),
    ("my son is 30, he has psychosis, can you help him find work", {"age": 30, "conditions": ["psychosis"]}),
])
def test_facts_given_on_someone_elses_behalf_are_kept_too(chat, opening, facts):
    person = chat("behalf")
    person.say(opening)
    slots = person.slots
    for fact, value in facts.items():
        assert slots.get(fact) == value, (fact, slots.get(fact), person.text[:200])


REFERRAL_ANSWERS = {**ANSWERS, "postcode": "S11 8NY", "first_name": "its Charlie", "phone": "07700 900456",
                    "consent_share_with_service": "yes thats fine", "consent_sms": "no thanks",
                    "talking_therapies": "no", "right_to_work_uk": "yes"}


def test_a_whole_chat_ends_in_a_referral_the_service_can_read(app, chat, client):
    from .conftest import SHEFFIELD_SMI, token

    person = chat("whole")
    person.say("need help gettin a job")
    person.say("bipolar n anxiety")
    for _ in range(20):
        slot = person.asked
        if person.slots.get("referral_reference"):
            break
        if slot == "chosen_pathway":
            person.say(person.buttons[0]["payload"])
            continue
        assert slot in REFERRAL_ANSWERS, (slot, person.text)
        person.say(REFERRAL_ANSWERS[slot])
    reference = person.slots.get("referral_reference")
    assert reference and reference in person.text
    referral = client.get(f"/api/v1/referrals/{reference}", headers=token(app, "service", SHEFFIELD_SMI))
    assert referral.status_code == 200
    body = referral.get_json()
    assert body["pathway"] == "ips_smi" and body["service"]["id"] == SHEFFIELD_SMI
    assert sorted(body["facts"]["conditions"]) == ["anxiety", "bipolar"]
    assert (body.get("person") or {}).get("first_name") == "Charlie"


def test_change_my_postcode_after_the_result_finds_the_new_areas_service(chat):
    person = chat("move")
    person.say("need help gettin a job")
    person.say("psychosis")
    for _ in range(12):
        if person.asked in (None, "chosen_pathway"):
            break
        person.say(REFERRAL_ANSWERS[person.asked])
    assert "Sheffield" in person.text
    person.say("actually can i change my postcode")
    assert person.asked == "postcode"
    person.say("B15 2TT")
    assert "Birmingham" in person.text and "Sheffield" not in person.text
