"""Each form validator on good and bad answers, run by rasa-sdk's own executor as an action server would."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import ActionExecutor

from bot.actions import ACTION_CLASSES
from bot.engine.domain import load_domain


def run_validation(form: str, slot: str, value, slots: dict | None = None, intent: str = "inform") -> tuple[dict, list]:
    """Call validate_<form> with ``slot`` as the trailing SlotSet event (as Rasa's FormAction sends it)."""
    executor = ActionExecutor()
    for action in ACTION_CLASSES:
        executor.register_action(action)
    all_slots = {name: None for name in load_domain()["slots"]} | {"requested_slot": slot} | (slots or {})
    all_slots[slot] = value
    tracker = {
        "sender_id": "v", "slots": all_slots, "paused": False, "followup_action": None,
        "latest_message": {"text": str(value), "intent": {"name": intent, "confidence": 1.0}, "entities": []},
        "active_loop": {"name": form}, "latest_action_name": "action_listen",
        "events": [{"event": "user", "text": str(value)}, {"event": "slot", "name": slot, "value": value}],
    }
    result = asyncio.run(executor.run({"next_action": f"validate_{form}", "tracker": tracker, "domain": load_domain()}))
    data = result.model_dump()
    return {e["name"]: e["value"] for e in data["events"] if e["event"] == "slot"}, data["responses"]


GOOD = [
    ("age", "I'm 34", 34), ("age", "52", 52), ("age", "thirty four", 34),
    ("postcode", "s12ab", "S1 2AB"), ("postcode", "my postcode is b1 1aa", "B1 1AA"),
    ("conditions", "anxiety and back pain", ["anxiety", "physical_health"]), ("conditions", ["psychosis"], ["psychosis"]),
    ("conditions", "I hear voices", ["psychosis"]), ("conditions", "none", ["none"]),
    ("wants_paid_work", "yes", True), ("right_to_work_uk", "yeah I am", True), ("drug_alcohol_treatment", "not really", False),
    ("other_dwp_employment_programme", "nope", False), ("in_secondary_mental_health_care", True, True),
    ("talking_therapies", "I'm on the waiting list", "waiting"), ("talking_therapies", "in_treatment", "in_treatment"),
    ("talking_therapies", "no", "none"), ("employment_status", "I'm off sick", "in_work_off_sick"),
    ("employment_status", "not working", "out_of_work"),
]
BAD = [
    ("age", "old enough", "utter_invalid_age"), ("age", "250", "utter_invalid_age_range"),
    ("postcode", "Sheffield", "utter_invalid_postcode"), ("postcode", "ZZ99", "utter_invalid_postcode"),
    ("conditions", "purple", "utter_invalid_conditions"), ("wants_paid_work", "banana", "utter_invalid_yes_no"),
    ("talking_therapies", "hmm", "utter_invalid_choice"), ("employment_status", "purple", "utter_invalid_choice"),
]


@pytest.mark.parametrize("slot, answer, expected", GOOD)
def test_good_answers_become_facts(slot, answer, expected):
    slots, _ = run_validation("eligibility_form", slot, answer)
    assert slots[slot] == expected


@pytest.mark.parametrize("slot, answer, response", BAD)
def test_bad_answers_are_refused_with_a_plain_reason(slot, answer, response):
    slots, responses = run_validation("eligibility_form", slot, answer)
    assert slots[slot] is None
    assert [r["response"] for r in responses] == [response]


def test_not_sure_skips_the_question():
    slots, responses = run_validation("eligibility_form", "right_to_work_uk", "not sure", intent="dont_know")
    assert slots["right_to_work_uk"] is None and slots["unsure_facts"] == ["right_to_work_uk"]
    assert slots["requested_slot"] != "right_to_work_uk"


def test_the_next_question_comes_from_the_rules_engine():
    slots, _ = run_validation("eligibility_form", "wants_paid_work", True)
    assert slots["requested_slot"] == "conditions"


@pytest.mark.parametrize("slot, answer, expected", [
    ("first_name", "my name is sam", "Sam"), ("first_name", "Mary-Jane", "Mary-Jane"),
    ("phone", "07700 900123", "+447700900123"), ("phone", "+44 7700 900456", "+447700900456"),
    ("phone", "0114 496 0001", "+441144960001"), ("consent_share_with_service", "yes", True),
    ("consent_sms", "no thanks", False),
])
def test_referral_form_good_answers(slot, answer, expected):
    slots, _ = run_validation("referral_form", slot, answer, {"chosen_pathway": "ips_smi"})
    assert slots[slot] == expected


@pytest.mark.parametrize("slot, answer, response", [
    ("first_name", "12345", "utter_invalid_first_name"), ("phone", "12345", "utter_invalid_phone"),
    ("phone", "+1 415 555 0100", "utter_invalid_phone"), ("consent_share_with_service", "purple", "utter_invalid_yes_no"),
])
def test_referral_form_bad_answers(slot, answer, response):
    slots, responses = run_validation("referral_form", slot, answer, {"chosen_pathway": "ips_smi"})
    assert slots[slot] is None
    assert response in [r.get("response") for r in responses]


def test_saying_no_to_sharing_ends_the_form_without_asking_for_contact_details():
    slots, responses = run_validation("referral_form", "consent_share_with_service", "no", {"chosen_pathway": "ips_smi"})
    assert slots["consent_share_with_service"] is False
    assert slots["requested_slot"] is None
    assert "utter_no_consent" in [r.get("response") for r in responses]


def test_only_trailing_slot_events_are_validated():
    # A slot set earlier in the conversation (not trailing) is not validated again: rasa-sdk's rule.
    slots, _ = run_validation("eligibility_form", "age", "34", {"postcode": "not a postcode"})
    assert "postcode" not in slots and slots["age"] == 34
