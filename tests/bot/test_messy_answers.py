"""Free-text answers as people type them, through the REST channel, at each moment of the conversation."""

from __future__ import annotations

import itertools

import pytest

DEFAULTS = {"conditions": "anxiety", "age": "34", "drug_alcohol_treatment": "no", "right_to_work_uk": "yes",
            "other_dwp_employment_programme": "no", "talking_therapies": "no", "postcode": "S1 2AB"}
_senders = itertools.count()


def at_question(chat, slot: str, first: str = "i want a job"):
    """A person whom the bot has just asked about ``slot``."""
    person = chat(f"messy-{next(_senders)}")
    person.say(first)
    for _ in range(12):
        asked = person.slots["requested_slot"]
        if asked == slot:
            return person
        person.say(DEFAULTS[asked])
    raise AssertionError(f"never asked {slot}")


@pytest.mark.parametrize("first", [
    "hi", "hiya", "hello?", "good morning", "alright", "hi can u help", "helo", "is anyone there", "ey up",
    "hi my nurse said to use this", "hello, my gp sent me", "hi, i got a text about work", ".", "hey whats this",
])
def test_greetings_get_the_welcome_the_phone_route_and_the_choices(chat, first):
    person = chat(f"greet-{next(_senders)}")
    person.say(first)
    assert "What would you like help with?" in person.text and "0306 999 0123" in person.text
    assert {b["payload"] for b in person.buttons} >= {"/want_find_work", "/want_keep_job", "/want_info"}


@pytest.mark.parametrize("said, status", [
    ("i want a job", "out_of_work"), ("need a job", "out_of_work"), ("work", "out_of_work"),
    ("help me get work pls", "out_of_work"), ("looking 4 work", "out_of_work"), ("i wanna get a job", "out_of_work"),
    ("i need to get back into work after being ill", "out_of_work"), ("jobs near me", "out_of_work"),
    ("can you help me find a job", "out_of_work"), ("i want to stay in my job", "in_work"),
    ("my jobs at risk", "in_work"), ("i'm struggling at work", "in_work"),
    ("im off sick from work", "in_work_off_sick"), ("i'm signed off sick at the moment", "in_work_off_sick"),
])
def test_saying_what_they_want_starts_the_questions(chat, said, status):
    person = chat(f"want-{next(_senders)}")
    person.say("hi")
    person.say(said)
    slots = person.slots
    assert slots["wants_paid_work"] is True and slots["employment_status"] == status
    assert slots["requested_slot"] == "conditions"


@pytest.mark.parametrize("said", ["dunno really", "both", "asdfgh"])
def test_an_unclear_goal_gets_the_choices_again_not_a_guess(chat, said):
    person = chat(f"unclear-{next(_senders)}")
    person.say("hi")
    person.say(said)
    assert person.tracker()["active_loop"]["name"] is None
    assert "/want_find_work" in {b["payload"] for b in person.buttons}


@pytest.mark.parametrize("slot, said, value", [
    ("conditions", "I have schizophrenia", ["psychosis"]),
    ("conditions", "skitzophrenia", ["psychosis"]),
    ("conditions", "depresion", ["depression"]),
    ("conditions", "anxiety n depression", ["anxiety", "depression"]),
    ("conditions", "bad back", ["physical_health"]),
    ("conditions", "i hear voices", ["psychosis"]),
    ("conditions", "low mood and back pain", ["depression", "physical_health"]),
    ("conditions", "none really", ["none"]),
    ("conditions", "no health problems", ["none"]),
    ("conditions", "nothing like that", ["none"]),
    ("age", "I'm 34", 34), ("age", "34", 34), ("age", "thirty four", 34), ("age", "im 19 years old", 19),
    ("age", "34 yrs", 34), ("age", "I am 62", 62), ("age", "twenty-five", 25),
    ("drug_alcohol_treatment", "nope", False), ("drug_alcohol_treatment", "not really", False),
    ("drug_alcohol_treatment", "yeah i do", True), ("drug_alcohol_treatment", "not at the moment", False),
    ("drug_alcohol_treatment", "i'm seeing a drugs worker", True), ("drug_alcohol_treatment", "n", False),
    ("right_to_work_uk", "yeah i am", True), ("right_to_work_uk", "aye", True), ("right_to_work_uk", "course i am", True),
    ("right_to_work_uk", "i'm a uk citizen", True), ("right_to_work_uk", "i have settled status", True),
    ("right_to_work_uk", "no i'm an asylum seeker", False),
    ("other_dwp_employment_programme", "im on restart", True),
    ("other_dwp_employment_programme", "i'm on the work and health programme", True),
    ("other_dwp_employment_programme", "no just uc", False),
    ("talking_therapies", "i'm on the waiting list", "waiting"), ("talking_therapies", "never had it", "none"),
    ("talking_therapies", "having cbt now", "in_treatment"), ("talking_therapies", "finished last month",
                                                               "recently_discharged"),
    ("talking_therapies", "i did iapt", "recently_discharged"), ("talking_therapies", "not yet", "none"),
    ("postcode", "s1 2ab", "S1 2AB"), ("postcode", "S12AB", "S1 2AB"), ("postcode", "my postcode is B1 1AA", "B1 1AA"),
    ("postcode", "its s6 3gh", "S6 3GH"), ("postcode", "live in sheffield s1 2ab", "S1 2AB"),
])
def test_free_text_answers_are_read(chat, slot, said, value):
    person = at_question(chat, slot)
    person.say(said)
    slots = person.slots
    assert slots[slot] == value, person.text
    assert slots["requested_slot"] != slot
    assert person.tracker()["active_loop"]["name"] is not None or slots["requested_slot"] is None  # not stopped


@pytest.mark.parametrize("slot", ["conditions", "age", "right_to_work_uk", "postcode"])
@pytest.mark.parametrize("said", ["dunno", "not sure", "i'd rather not", "idk"])
def test_not_sure_skips_the_question_for_good(chat, slot, said):
    person = at_question(chat, slot)
    person.say(said)
    slots = person.slots
    assert slot in slots["unsure_facts"] and slots["requested_slot"] != slot


@pytest.mark.parametrize("slot, said", [
    ("age", "old enough"), ("age", "150"), ("postcode", "sheffield"), ("postcode", "s1"),
    ("conditions", "my mental health"), ("conditions", "adhd"),
])
def test_answers_that_cannot_be_read_are_asked_again_not_guessed(chat, slot, said):
    person = at_question(chat, slot)
    person.say(said)
    assert person.slots["requested_slot"] == slot
    assert person.tracker()["active_loop"]["name"] == "eligibility_form"
    # Said why, then asked again.
    assert any(word in person.text for word in ("Sorry", "Please", "does not look like", "Enter", "not on this list"))


@pytest.mark.parametrize("slot", ["conditions", "age", "postcode", "drug_alcohol_treatment"])
@pytest.mark.parametrize("question, expected", [
    ("will it affect my benefits", "benefits"), ("will i lose my uc", "benefits"), ("what about my pip", "benefits"),
    ("what is ips", "Individual Placement and Support"), ("can i talk to a real person", "0306 999 0123"),
    ("do i have to be well first", "You do not have to be well first"),
])
def test_questions_mid_form_are_answered_and_the_same_question_comes_back(chat, slot, question, expected):
    person = at_question(chat, slot)
    person.say(question)
    assert expected in person.text
    assert person.slots["requested_slot"] == slot


@pytest.mark.parametrize("said", ["start again", "start over", "restart", "can i start again please", "strat again"])
def test_start_again_mid_form(chat, said):
    person = at_question(chat, "age")
    person.say(said)
    assert person.slots["conditions"] is not None  # CONTRACT.md: start again confirms first, clears nothing
    assert "start again" in person.text.lower()
    person.say("yes")
    assert person.slots["conditions"] is None and person.tracker()["active_loop"]["name"] is None


@pytest.mark.parametrize("said", ["stop", "stop please", "i want to stop", "cancel", "stp", "end the chat"])
def test_stop_mid_form(chat, said):
    person = at_question(chat, "postcode")
    person.say(said)
    assert "I have stopped" in person.text and person.tracker()["active_loop"]["name"] is None


@pytest.mark.parametrize("risk", [
    "I want to end it all", "thinking of taking all my pills", "no point living", "i might hurt someone",
    "kill myself", "suicidal", "self harm", "I cant go on anymore", "overdosed last night", "i want to end it al",
    "thinkin of takin all my pils", "suicdal", "self harn", "i cnt go on any more", "kil myself",
])
def test_risk_wins_at_every_question(chat, risk):
    for slot in ("conditions", "age", "other_dwp_employment_programme"):
        person = at_question(chat, slot)
        person.say(risk)
        assert "116 123" in person.text and "999" in person.text and "85258" in person.text
        assert person.tracker()["active_loop"]["name"] is None
