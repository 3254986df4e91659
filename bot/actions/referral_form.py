"""validate_referral_form: the person's choice, consent to share (shown in full), name, phone, SMS consent."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from .. import answers

_ORDINALS = {"1": 0, "one": 0, "first": 0, "2": 1, "two": 1, "second": 1, "3": 2, "three": 2, "third": 2}


def _intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def choose_pathway(value: Any, options: list[dict[str, Any]], intent: str | None) -> str | None:
    """The pathway chosen from ``options`` ("yes please", "the first one", "primary care"), "none", or None."""
    ids = [o["pathway"] for o in options]
    if value in ids or value == "none":
        return value
    text = answers.normalise(str(value or ""))
    answer = answers.read_yes_no(value, intent)
    if len(options) == 1 and answer is not None:
        return ids[0] if answer else "none"
    if answer is False or re.search(r"\b(none|neither|not now|no thanks)\b", text):
        return "none"
    for word in text.split():
        if word in _ORDINALS and _ORDINALS[word] < len(options):
            return ids[_ORDINALS[word]]
    keywords = {"primary": "primary care", "talking": "talking therapies", "severe": "severe mental illness",
                "drug": "drug and alcohol", "alcohol": "drug and alcohol", "advis": "employment advisers"}
    for option in options:
        name = option["short_name"].lower()
        if text and (text in name or any(k in text and v in name for k, v in keywords.items())):
            return option["pathway"]
    return None


class ValidateReferralForm(FormValidationAction):
    def name(self) -> str:
        return "validate_referral_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if tracker.get_slot("chosen_pathway") == "none":
            return ["chosen_pathway"]
        if tracker.get_slot("consent_share_with_service") is False:
            return ["chosen_pathway", "consent_share_with_service"]
        phone = tracker.get_slot("phone")
        if phone and not answers.is_mobile(phone):
            # A landline cannot get texts: the texts question is never asked (nor recorded).
            return [s for s in domain_slots if s != "consent_sms"]
        return list(domain_slots)

    async def next_requested_slot(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> EventType | None:
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return SlotSet(REQUESTED_SLOT, next((s for s in required if tracker.get_slot(s) is None), None))

    def validate_chosen_pathway(self, value, dispatcher, tracker, domain):
        options = tracker.get_slot("options") or []
        chosen = choose_pathway(value, options, _intent(tracker))
        if chosen is None:
            dispatcher.utter_message(response="utter_invalid_choice")
            return {"chosen_pathway": None}
        if chosen == "none":
            dispatcher.utter_message(text="OK. I will not send anything.")
            dispatcher.utter_message(response="utter_phone_route")
            return {"chosen_pathway": "none", "outcome_next": "Nothing has been sent. You can come back at any time, "
                    "or call us on 0306 999 0123 to talk to a person."}
        option = next(o for o in options if o["pathway"] == chosen)
        return {"chosen_pathway": chosen, "chosen_service_id": option["service_id"],
                "chosen_service_name": option["service_name"]}

    def validate_consent_share_with_service(self, value, dispatcher, tracker, domain):
        answer = answers.read_yes_no(value, _intent(tracker))
        if answer is None:
            dispatcher.utter_message(response="utter_invalid_yes_no")
        elif answer is False:
            dispatcher.utter_message(response="utter_no_consent")
            return {"consent_share_with_service": False, "outcome_next": "Nothing has been sent. You can call "
                    f"{tracker.get_slot('chosen_service_name') or 'the service'} yourself, or call us on 0306 999 0123."}
        return {"consent_share_with_service": answer}

    def validate_first_name(self, value, dispatcher, tracker, domain):
        name = answers.read_first_name(value)
        if name is None:
            dispatcher.utter_message(response="utter_invalid_first_name")
        return {"first_name": name}

    def validate_phone(self, value, dispatcher, tracker, domain):
        phone = answers.read_phone(value)
        if phone is None:
            dispatcher.utter_message(response="utter_invalid_phone")
        return {"phone": phone}

    def validate_consent_sms(self, value, dispatcher, tracker, domain):
        answer = answers.read_yes_no(value, _intent(tracker))
        if answer is None:
            dispatcher.utter_message(response="utter_invalid_yes_no")
        return {"consent_sms": answer}
