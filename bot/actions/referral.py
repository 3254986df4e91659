"""action_submit_referral: makes the self-referral through the public referrals interface."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from rules import default_engine

from .. import answers
from ..client import get_client
from ..questions import known_facts

CONSENT_WORDING_VERSION = "web-chat-2026-1"

log = logging.getLogger(__name__)

_TALKING = {"none": "not with NHS Talking Therapies", "waiting": "waiting for NHS Talking Therapies",
            "in_treatment": "having NHS Talking Therapies now", "recently_discharged": "recently finished NHS Talking Therapies"}
_WORK = {"out_of_work": "not working", "in_work": "working", "in_work_off_sick": "in work but off sick"}


def _in_own_words(fact: str, own_words: dict[str, str]) -> str:
    words = (own_words or {}).get(fact)
    return f' (in their words: "{words}")' if words else ""


def summary_for_specialist(facts: dict[str, Any], tracker: Tracker) -> str:
    """A short summary of what the person told the bot, in words a specialist reads at a glance, with
    the person's own words beside each fact they typed ("back pain" as well as a physical health condition)."""
    vocabulary = default_engine().vocabulary
    own = tracker.get_slot("own_words") or {}
    parts = ["Self-referral through the NHS web chat."]
    if tracker.get_slot("campaign_id"):
        parts.append("Came from a text message campaign.")
    goal = "keep their job" if facts.get("employment_status") in ("in_work", "in_work_off_sick") else "find work"
    if facts.get("wants_paid_work"):
        parts.append(f"Wants help to {goal}.")
    if "employment_status" in facts:
        parts.append(f"Currently {_WORK[facts['employment_status']]}{_in_own_words('employment_status', own)}.")
    if facts.get("conditions"):
        labels = ", ".join(vocabulary["conditions"].label_of(c).lower() for c in facts["conditions"])
        parts.append(f"Gets support with: {labels}{_in_own_words('conditions', own)}.")
    if "age" in facts:
        parts.append(f"Age {facts['age']}.")
    if "talking_therapies" in facts:
        parts.append(f"Is {_TALKING[facts['talking_therapies']]}{_in_own_words('talking_therapies', own)}.")
    if facts.get("drug_alcohol_treatment"):
        parts.append(f"In drug or alcohol treatment{_in_own_words('drug_alcohol_treatment', own)}.")
    if facts.get("in_secondary_mental_health_care"):
        parts.append(f"Supported by a secondary mental health team{_in_own_words('in_secondary_mental_health_care', own)}.")
    unsure = [u for u in tracker.get_slot("unsure_facts") or [] if u in vocabulary]
    if unsure:
        parts.append("Did not know: " + "; ".join(vocabulary[u].label.lower() for u in unsure) + ".")
    return " ".join(parts)[:1000]


def idempotency_key(tracker: Tracker) -> str:
    """The same conversation always gives the same key, so a repeated "yes" never makes two referrals."""
    seed = f"{tracker.sender_id}:{tracker.get_slot('conversation_id') or ''}"
    return "chat-" + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:40]


def _only_campaign_refused(response) -> bool:
    error = response.body.get("error") if isinstance(response.body, dict) else None
    fields = error.get("fields") if isinstance(error, dict) else None
    return response.status == 400 and isinstance(fields, dict) and set(fields) == {"campaign_id"}


def _next_steps(body: dict[str, Any]) -> str:
    steps = body.get("next_steps")
    if isinstance(steps, list):
        return " ".join(str(s) for s in steps)
    return str(steps or "")


class ActionSubmitReferral(Action):
    def name(self) -> str:
        return "action_submit_referral"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        pathway = tracker.get_slot("chosen_pathway")
        if not pathway or pathway == "none" or tracker.get_slot("consent_share_with_service") is not True:
            dispatcher.utter_message(response="utter_anything_else")
            return []
        if tracker.get_slot("referral_reference"):
            dispatcher.utter_message(text=f"Your details have already been sent. Your reference is "
                                          f"{tracker.get_slot('referral_reference')}.")
            return []
        facts = known_facts(tracker.slots)
        campaign = tracker.get_slot("campaign_id")
        payload: dict[str, Any] = {
            "pathway": pathway,
            "facts": facts,
            "person": {"first_name": tracker.get_slot("first_name"), "phone": tracker.get_slot("phone")},
            # Texts are asked about only for a mobile: a landline records no text consent at all.
            "consents": {"share_with_service": True, **({"sms_promotions": tracker.get_slot("consent_sms") is True}
                                                        if answers.is_mobile(tracker.get_slot("phone")) else {})},
            "service_id": tracker.get_slot("chosen_service_id"),
            "source": "sms_campaign" if campaign else "self",
            "summary": summary_for_specialist(facts, tracker),
            # The consent record keeps the exact wording the chat showed (consent/wording.py has it).
            "consent_method": "web_chat",
            "consent_wording_version": CONSENT_WORDING_VERSION,
        }
        # The person's own words beside each fact they typed ("back pain" as well as physical_health).
        own_words = {k: str(v)[:200] for k, v in (tracker.get_slot("own_words") or {}).items() if k in facts and v}
        if own_words:
            payload["answers_in_own_words"] = own_words
        if campaign:
            payload["campaign_id"] = campaign
        if not payload["service_id"]:
            del payload["service_id"]
        try:
            response = get_client().create_referral(payload, idempotency_key(tracker))
            if _only_campaign_refused(response) and campaign:
                # An old or mistyped text-message link must not cost the person their referral: send it
                # as their own self-referral (a new key: it is a different request).
                payload.pop("campaign_id", None)
                payload["source"] = "self"
                payload["summary"] = payload["summary"].replace("Came from a text message campaign. ", "")
                response = get_client().create_referral(payload, idempotency_key(tracker) + "-self")
        except Exception as error:  # the service may be down; the person still needs a way forward
            log.warning("referral_request_failed", extra={"error_type": type(error).__name__})
            dispatcher.utter_message(response="utter_referral_failed")
            return []
        if not response.created:
            log.info("referral_refused", extra={"status": response.status})
            reason = response.error_message
            dispatcher.utter_message(text=(f"Sorry, I could not send your details. {reason}".strip()))
            dispatcher.utter_message(response="utter_phone_route")
            return []
        body = response.body
        reference = body.get("reference", "")
        service = body.get("service") or {}
        name = service.get("name") or tracker.get_slot("chosen_service_name") or "the service"
        steps = _next_steps(body) or "Someone from the team will call you, usually within 5 working days."
        # The reference once, on its own line (the web chat shows it in bold); the service's number once,
        # in the next steps the service wrote.
        text = f"Done. I have sent your details to {name}.\n\nYour reference number is {reference}.\n\nWhat happens next: {steps}"
        dispatcher.utter_message(text=text, json_message={"kind": "confirmation", "reference": reference})
        log.info("referral_made_by_bot", extra={"pathway": pathway, "status": response.status})
        return [SlotSet("referral_reference", reference), SlotSet("outcome_next", steps)]
