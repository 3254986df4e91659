"""validate_eligibility_form: one validator per fact, and the rules engine choosing the next question."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from rules import default_engine

from .. import answers
from ..questions import FORM_FACTS, known_facts, next_fact


def _intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _unsure(slot: str, value: Any, tracker: Tracker, dispatcher: CollectingDispatcher) -> dict[str, Any] | None:
    """If the person says they are not sure, skip the question (and never ask it again)."""
    if tracker.get_slot(REQUESTED_SLOT) != slot or not answers.is_unsure(str(value), _intent(tracker)):
        return None
    unsure = list(tracker.get_slot("unsure_facts") or [])
    if slot not in unsure:
        unsure.append(slot)
    dispatcher.utter_message(response="utter_unsure_ok")
    return {slot: None, "unsure_facts": unsure}


def _read(slot: str, value: Any, tracker: Tracker, dispatcher: CollectingDispatcher,
          reader: Callable[[Any], Any], invalid: str) -> dict[str, Any]:
    """The one shape of a validator: "not sure" skips the question; an answer that cannot be read is asked again."""
    unsure = _unsure(slot, value, tracker, dispatcher)
    if unsure is not None:
        return unsure
    answer = reader(value)
    if answer is None:
        dispatcher.utter_message(response=invalid)
    return {slot: answer}


def _yes_no(slot: str, value: Any, tracker: Tracker, dispatcher: CollectingDispatcher,
            hints: list[tuple[str, bool]] | None = None) -> dict[str, Any]:
    intent = _intent(tracker) if tracker.get_slot(REQUESTED_SLOT) == slot else None
    return _read(slot, value, tracker, dispatcher, lambda v: answers.read_yes_no(v, intent, hints), "utter_invalid_yes_no")


def _choice(slot: str, value: Any, tracker: Tracker, dispatcher: CollectingDispatcher,
            words: list[tuple[str, str]]) -> dict[str, Any]:
    allowed = list(default_engine().vocabulary[slot].values)  # the values are the rules' own (rules/facts.yaml)
    return _read(slot, value, tracker, dispatcher, lambda v: answers.read_choice(v, allowed, words),
                 "utter_invalid_choice")


class ValidateEligibilityForm(FormValidationAction):
    """Reads each answer into a fact; the rules engine's next_question picks what to ask next."""

    def name(self) -> str:
        return "validate_eligibility_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        facts = known_facts(tracker.slots)
        pending = [s for s in tracker.slots_to_validate() if s in FORM_FACTS]
        needed = [f for f in FORM_FACTS if f in facts or f in pending]
        upcoming = next_fact(facts, tracker.get_slot("unsure_facts") or [])
        if upcoming and upcoming not in needed:
            needed.append(upcoming)
        return needed

    async def next_requested_slot(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> EventType | None:
        facts = known_facts(tracker.slots)
        return SlotSet(REQUESTED_SLOT, next_fact(facts, tracker.get_slot("unsure_facts") or []))

    def validate_wants_paid_work(self, value, dispatcher, tracker, domain):
        return _yes_no("wants_paid_work", value, tracker, dispatcher)

    def validate_right_to_work_uk(self, value, dispatcher, tracker, domain):
        return _yes_no("right_to_work_uk", value, tracker, dispatcher, answers.RIGHT_TO_WORK_HINTS)

    def validate_drug_alcohol_treatment(self, value, dispatcher, tracker, domain):
        return _yes_no("drug_alcohol_treatment", value, tracker, dispatcher, answers.DRUG_ALCOHOL_TREATMENT_HINTS)

    def validate_substance_use(self, value, dispatcher, tracker, domain):
        return _yes_no("substance_use", value, tracker, dispatcher)

    def validate_other_dwp_employment_programme(self, value, dispatcher, tracker, domain):
        return _yes_no("other_dwp_employment_programme", value, tracker, dispatcher, answers.DWP_PROGRAMME_HINTS)

    def validate_registered_with_gp_in_area(self, value, dispatcher, tracker, domain):
        return _yes_no("registered_with_gp_in_area", value, tracker, dispatcher)

    def validate_in_secondary_mental_health_care(self, value, dispatcher, tracker, domain):
        return _yes_no("in_secondary_mental_health_care", value, tracker, dispatcher)

    def validate_reached_state_pension_age(self, value, dispatcher, tracker, domain):
        return _yes_no("reached_state_pension_age", value, tracker, dispatcher)

    def validate_age(self, value, dispatcher, tracker, domain):
        # A number that is not an age ("150") gets the range message; words get "as a number".
        numbers = re.findall(r"\d+", str(value)) if not isinstance(value, bool) else []
        invalid = "utter_invalid_age_range" if len(numbers) == 1 and "utter_invalid_age_range" in domain.get(
            "responses", {}) else "utter_invalid_age"
        return _read("age", value, tracker, dispatcher, answers.read_age, invalid)

    def validate_postcode(self, value, dispatcher, tracker, domain):
        return _read("postcode", value, tracker, dispatcher, answers.read_postcode, "utter_invalid_postcode")

    def validate_conditions(self, value, dispatcher, tracker, domain):
        unsure = _unsure("conditions", value, tracker, dispatcher)
        if unsure is not None:
            return unsure
        allowed = list(default_engine().vocabulary["conditions"].values)
        conditions = answers.read_conditions(value, allowed)
        if conditions and len(conditions) > 1 and "none" in conditions:
            conditions = [c for c in conditions if c != "none"]
        if not conditions:
            named = isinstance(value, str) and answers.NEURODEVELOPMENTAL.search(answers.normalise(value))
            dispatcher.utter_message(response="utter_conditions_neurodevelopmental" if named else "utter_invalid_conditions")
            return {"conditions": None}
        return {"conditions": conditions}

    def validate_talking_therapies(self, value, dispatcher, tracker, domain):
        return _choice("talking_therapies", value, tracker, dispatcher, answers.TALKING_THERAPIES_WORDS)

    def validate_employment_status(self, value, dispatcher, tracker, domain):
        return _choice("employment_status", value, tracker, dispatcher, answers.EMPLOYMENT_WORDS)
