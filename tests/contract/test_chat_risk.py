"""CONTRACT.md "Risk first, on every channel" through the web chat's REST channel and the tracker.

Wordings are new ones (slang, text-speak, typos, no punctuation), sent mid-form so that a missed risk would
be swallowed as an answer. `urgent`: crisis help at once and the form stops (active_loop.name and
requested_slot both null); `check`: asks directly with the crisis lines, and "I'm safe" resumes the same
question; everyday idioms are not a crisis."""

from __future__ import annotations

import pytest

from .conftest import CRISIS_LINES


def mid_form(chat):
    person = chat("risk")
    person.say("hiya i need work")
    person.say("depression and anxiety")
    assert person.loop is not None and person.asked is not None, "the form should be asking something"
    return person


URGENT = [
    "i sliced my wrist last nite",
    "i slit my wrists",
    "gonna kill myslef 2nite",
    "i wanna kms fr",
    "im gonna top myself",
    "been cutting my legs again",
    "ive saved up my meds to take them all at once",
    "got a rope in the shed for when im ready",
    "im gonna jump off the multi storey",
    "i just swallowed a load of paracetamol",
    "i wanna stab my stepdad",
    "im going to hurt the kids",
    "i'm gonna blow my brains out",
    "ive written letters to my family saying goodbye",
    "sucidal again",
    "i want to unalive",
    "start again i just want to die",
    "stop. i'm going to kill myself",
    "34 and i want to end it all",
    "sliced my arm open",
    "carved into my thigh again",
    "i razor my arms",
    "ive took 40 co-codamol",
    "i necked all my pills",
    "just downed a bottle of vodka and all my sertraline",
    "gonna crash my car on the motorway on purpose",
    "im gonna put my head in the oven",
    "i wanna shoot up the place",
    "i wanna slap my manager so hard he ends up in hospital",
]


@pytest.mark.parametrize("words", URGENT)
def test_a_plain_risk_is_never_missed_mid_form(chat, words):
    person = mid_form(chat)
    person.say(words)
    assert person.slots.get("risk_level") in ("urgent", "check"), f"missed crisis: {words!r} -> {person.text[:120]!r}"


@pytest.mark.parametrize("words", URGENT)
def test_a_plain_risk_is_urgent_gives_the_crisis_lines_and_stops_the_form(chat, words):
    person = mid_form(chat)
    person.say(words)
    tracker = person.tracker()
    assert tracker["slots"].get("risk_level") == "urgent", words
    assert tracker["active_loop"]["name"] is None and tracker["slots"]["requested_slot"] is None
    for line in CRISIS_LINES:
        assert line in person.text, (line, person.text)


POSSIBLY = ["tbh whats even the point of bein alive anymore", "i feel like every1 would be better off without me",
            "i dont see the point in anything any more"]


@pytest.mark.parametrize("words", POSSIBLY)
def test_possible_risk_is_asked_directly_beside_the_crisis_lines_and_i_am_safe_resumes_the_same_question(chat, words):
    person = mid_form(chat)
    asked_before = person.asked
    person.say(words)
    assert person.slots.get("risk_level") in ("check", "urgent")
    if person.slots.get("risk_level") == "urgent":
        return  # over-cautious is allowed; the resume is about `check`
    text = person.text.lower()
    assert "ending your life" in text or "suicid" in text or "harm" in text
    for line in ("999", "116 123"):
        assert line in person.text
    person.say("no im safe, just fed up")
    assert person.slots.get("risk_level") is None
    assert person.asked == asked_before and person.loop is not None


def test_check_then_saying_yes_is_urgent(chat):
    person = mid_form(chat)
    person.say("what is the point of living tbh")
    assert person.slots.get("risk_level") == "check"
    person.say("yeah i am")
    assert person.slots.get("risk_level") == "urgent"
    assert person.asked is None and person.loop is None
    assert "116 123" in person.text


IDIOMS = [
    "this job hunt is killing me",
    "im dying to get back to work",
    "will i loose my benefits",
    "my back is killing me today",
    "im dead tired after nights",
    "i'd kill for a job in a bakery",
    "my phone died so i missed the call",
    "i want to quit my job and find a better one",
    "i need to pick up my tablets from the pharmacy",
    "its do or die for this application",
    "i'd rather die than work in a call centre again",
    "my boss will murder me if im late again",
    "i used to cut hair for a living",
]


@pytest.mark.parametrize("words", IDIOMS)
def test_everyday_idioms_are_not_a_crisis(chat, words):
    person = mid_form(chat)
    person.say(words)
    assert person.slots.get("risk_level") is None, words
    assert "116 123" not in person.text


def test_the_tracker_needs_the_bot_token(client, chat):
    person = chat()
    person.say("hello")
    assert client.get(f"/conversations/{person.sender}/tracker").status_code == 401
    assert client.get(f"/conversations/{person.sender}/tracker?token=wrong").status_code == 401


def test_a_long_outpouring_ending_in_a_crisis_still_gets_the_crisis_help(client, chat):
    # People in distress write long messages; 'every message is checked for risk before anything else'.
    person = mid_form(chat)
    long = ("ive been struggling for months with work, money, my family, nothing is going right and i dont know "
            "what to do anymore. ") * 18 + "honestly i want to kill myself tonight"
    response = client.post("/webhooks/rest/webhook", json={"sender": person.sender, "message": long})
    text = " ".join(m.get("text") or "" for m in (response.get_json() if isinstance(response.get_json(), list) else []))
    assert "116 123" in text and "999" in text, f"{response.status_code}: {str(response.get_json())[:160]}"
    assert person.slots.get("risk_level") == "urgent"


@pytest.mark.parametrize("answer, safe", [
    ("no", True), ("/deny", True), ("nah im ok", True), ("i'm fine honestly, just fed up", True),
    ("maybe", False), ("sometimes yeah", False), ("idk", False),
])
def test_only_an_answer_that_they_are_safe_resumes_after_the_direct_question(chat, answer, safe):
    person = mid_form(chat)
    asked = person.asked
    person.say("wats the point in livin")
    assert person.slots.get("risk_level") == "check"
    person.say(answer)
    if safe:
        assert person.slots.get("risk_level") is None and person.asked == asked
    else:
        assert person.slots.get("risk_level") in ("check", "urgent") and person.asked is None
        assert "116 123" in person.text


# A second batch written after the first was answered (22:58): a fresh check that the lexicon generalises.
FRESH_URGENT = [
    "i'm going to take every pill in the house tonight", "ive been hurting myself with a blade since friday",
    "gonna go to the woods and not come back", "i've decided tonight's the night, sorted everything",
    "im going to throw myself off the balcony", "i have a bottle of pills in front of me rn", "tryna od again lol",
    "i'm going to drown myself in the canal", "i wanna hang maself", "got the pills, got the vodka, done",
    "im gonna make my dad pay, im getting the knife", "i want to strangle my flatmate",
    "ive started cutting again", "i took an od last night and didnt tell anyone", "i want 2 die",
    "ive planned my suicide for sunday", "just let me die", "i'm going to step in front of a bus",
    "im gonna gas myself in the car", "i've been burning myself with cigarettes", "going to finish myself off",
]
FRESH_IDIOMS = [
    "my feet are killing me after that shift", "im dead keen on the warehouse job", "i'd die for a job at the library",
    "my laptop died halfway through the form", "the suspense is killing me, when will they ring",
    "my dad died last year and i want to work to keep busy", "i cut my hours at work last month",
    "i hurt my back lifting boxes at my old job", "i'm overdoing it, need to slow down", "dead end job, want something better",
]


@pytest.mark.parametrize("words", FRESH_URGENT)
def test_fresh_wordings_at_risk_are_urgent(chat, words):
    person = mid_form(chat)
    person.say(words)
    level = person.slots.get("risk_level")
    assert level is not None, f"missed crisis: {words!r}"
    assert level == "urgent" and person.asked is None and person.loop is None, (words, level)


@pytest.mark.parametrize("words", FRESH_IDIOMS)
def test_fresh_everyday_wordings_are_not_a_crisis(chat, words):
    person = mid_form(chat)
    person.say(words)
    assert person.slots.get("risk_level") is None, words


# A third batch, written at 23:10 after the second was answered: does the risk check generalise?
THIRD_URGENT = [
    "theres a bridge on my way home and i keep thinking about it", "i looked up how many paracetamol it takes",
    "i've been researching ways to do it", "wrote goodbye letters to my kids last night",
    "i'm gonna end things after the kids are asleep", "i cant keep myself safe tonight",
    "my plan is to drive to the coast and walk in", "ive got a stash of my mums tramadol", "i'm going to do myself in",
    "i'm going to neck the lot", "dont want to wake up tmrw tbh", "i want to be dead", "honestly cba with being alive",
    "ive been head banging the wall till it bleeds", "i keep scratching my skin off with my nails",
    "im going to lamp my supervisor with a chair", "im going to set fire to his flat with him in it",
    "nobody will miss me when im gone, ive decided", "thinking of jumping in front of the tram",
    "i want to put a bullet in my head", "hurting myself again, cant stop", "i'll be gone by the weekend, sorted it all",
    "iv had enough im ending it", "gonna take my own life", "i'd be better off six feet under",
]
THIRD_IDIOMS = [
    "im proper buzzing for this job", "i'd murder a bacon sandwich right now",
    "my manager would kill me if i applied elsewhere lol",
    "dead chuffed i got an interview", "i died a bit inside at that question", "its a killer commute to the city",
    "im shattered after my shift", "i got cut from the team at work", "my nan passed away so i need flexible hours",
    "i need a job before my savings die",
]


@pytest.mark.parametrize("words", THIRD_URGENT)
def test_third_batch_at_risk_is_never_missed(chat, words):
    person = mid_form(chat)
    person.say(words)
    assert person.slots.get("risk_level") in ("urgent", "check"), f"missed crisis: {words!r}"


# Passive or oblique: `check` is a fair first answer for these.
THIRD_PASSIVE = {"theres a bridge on my way home and i keep thinking about it", "honestly cba with being alive",
                 "dont want to wake up tmrw tbh"}


@pytest.mark.parametrize("words", [w for w in THIRD_URGENT if w not in THIRD_PASSIVE])
def test_third_batch_at_risk_is_urgent(chat, words):
    person = mid_form(chat)
    person.say(words)
    assert person.slots.get("risk_level") == "urgent", words


@pytest.mark.parametrize("words", THIRD_IDIOMS)
def test_third_batch_everyday_wordings_are_not_a_crisis(chat, words):
    person = mid_form(chat)
    person.say(words)
    assert person.slots.get("risk_level") is None, words


# A fourth batch (23:20), after the third was answered.
FOURTH_URGENT = [
    "i'm going to hang myself from the loft hatch", "i dont plan on being here for christmas",
    "i've cut deep this time and it wont stop bleeding", "i'm saving my lithium for when i need it",
    "goin to jump off the flats 2nite", "i could easily ram my car into a wall on the way home",
    "ill make sure my ex never hurts anyone again, ive got a plan", "i'm done, pills are next to me",
    "i tried to kill myself on tuesday", "ive swallowed a load of my dads heart tablets",
    "i'm thinking about ending my life", "i'm going to hurt the lads who jumped me, properly this time",
    "i have a rope and a place picked out", "im going to take an overdose", "gonna cut my wrists in the bath",
]
FOURTH_PASSIVE = ["i want to stop existing", "there's no way out except death", "i keep thinking i should just die"]
FOURTH_IDIOMS = [
    "i'd kill to work with animals", "dying to know if i got the job", "i'm hanging on for the results",
    "the job centre will be the death of me", "im at the end of my rope with this application form haha",
    "i cut my finger at work but its fine now", "i took two paracetamol for my headache",
    "i'm going to end my contract and find something new",
]


@pytest.mark.parametrize("words", FOURTH_URGENT + FOURTH_PASSIVE)
def test_fourth_batch_at_risk_is_never_missed(chat, words):
    person = mid_form(chat)
    person.say(words)
    assert person.slots.get("risk_level") in ("urgent", "check"), f"missed crisis: {words!r}"


@pytest.mark.parametrize("words", FOURTH_URGENT)
def test_fourth_batch_plainly_at_risk_is_urgent(chat, words):
    person = mid_form(chat)
    person.say(words)
    assert person.slots.get("risk_level") == "urgent", words


@pytest.mark.parametrize("words", FOURTH_IDIOMS)
def test_fourth_batch_everyday_wordings_are_not_a_crisis(chat, words):
    person = mid_form(chat)
    person.say(words)
    assert person.slots.get("risk_level") is None, words
