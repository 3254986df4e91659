"""Actions that work at any point: FAQs, crisis support, carry on, start again, stop."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from rules import default_engine

from ..answers import faq_topic
from ..client import get_client

log = logging.getLogger(__name__)

FAQ_RESPONSES = {
    "ask_about_ips": "utter_faq_ips",
    "ask_benefits": "utter_faq_benefits",
    "ask_well_first": "utter_faq_well_first",
    "ask_human": "utter_phone_route",
}
TOPIC_RESPONSES = {
    "ips": "utter_faq_ips", "benefits": "utter_faq_benefits", "cost": "utter_faq_cost",
    "confidential": "utter_faq_confidential", "someone_else": "utter_faq_someone_else",
    "chat_length": "utter_faq_chat_length",
}


def _support_length(tracker: Tracker) -> str:
    """How long the support lasts, for the services that could help (from the rules), or all of them."""
    options = tracker.get_slot("options") or []
    wanted = {o["pathway"] for o in options}
    pathways = [p for p in default_engine().ruleset.pathways if not wanted or p.id in wanted]
    lines = ["It depends on the service:"] + [f"- {p.short_name}: {p.length}" for p in pathways if getattr(p, "length", None)]
    return "\n".join(lines)


class ActionAnswerFaq(Action):
    """Answers the questions people ask, at any point: how it works, cost, how long, benefits,
    confidentiality, asking for someone else, and "why?" / "what now?" after a result."""

    def name(self) -> str:
        return "action_answer_faq"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        topic = faq_topic(tracker.latest_message.get("text"))
        if topic == "why" and tracker.get_slot("outcome_why"):
            why, next_step = tracker.get_slot("outcome_why"), tracker.get_slot("outcome_next") or ""
            dispatcher.utter_message(text=f"{why}\n\nWhat happens next: {next_step}" if next_step else why)
        elif topic == "what_next" and tracker.get_slot("outcome_next"):
            dispatcher.utter_message(text=f"What happens next: {tracker.get_slot('outcome_next')}")
        elif topic == "length":
            dispatcher.utter_message(text=_support_length(tracker))
        elif topic in TOPIC_RESPONSES:
            dispatcher.utter_message(response=TOPIC_RESPONSES[topic])
        else:
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            dispatcher.utter_message(response=FAQ_RESPONSES.get(intent, "utter_info"))
        return []


def _pause(tracker: Tracker) -> list[dict[str, Any]]:
    """Stop any form (active_loop and requested_slot null) and keep where it was, to resume exactly there."""
    loop = (tracker.active_loop or {}).get("name")
    events: list[dict[str, Any]] = [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]
    if loop:  # a second crisis message while paused keeps the first pause point
        events += [SlotSet("paused_form", loop), SlotSet("paused_slot", tracker.get_slot(REQUESTED_SLOT))]
    return events


def _record_safety_event(tracker: Tracker, level: str) -> None:
    """Tell the service, which has a duty to follow up: the words, the phone and referral if known, and
    every service the person is in touch with here (none: admins see it). Never delays the crisis help."""
    message = tracker.latest_message or {}
    services = [s for s in (tracker.get_slot("chosen_service_id"), tracker.get_slot("campaign_service_id")) if s]
    try:
        get_client().record_safety_event({
            "channel": "chat", "sender_id": tracker.sender_id, "text": str(message.get("text") or ""),
            "risk_level": level, "category": tracker.get_slot("risk_category"), "reason": tracker.get_slot("risk_reason"),
            "phone": tracker.get_slot("phone"), "reference": tracker.get_slot("referral_reference"),
            "service_ids": sorted(set(services)),
        })
    except Exception as error:  # the help is shown whatever happens to the record
        log.warning("safety_event_not_recorded", extra={"error_type": type(error).__name__})


class ActionCrisisSupport(Action):
    """Urgent help at once; any form stops and goes on only if the person wants."""

    def name(self) -> str:
        return "action_crisis_support"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_crisis")
        _record_safety_event(tracker, "urgent")
        return _pause(tracker) + [SlotSet("risk_level", "urgent")]


class ActionRiskCheck(Action):
    """Possibly at risk: ask directly, with the crisis lines beside the question; the questions wait."""

    def name(self) -> str:
        return "action_risk_check"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_risk_check")
        _record_safety_event(tracker, "check")
        return _pause(tracker) + [SlotSet("risk_level", "check")]


class ActionResume(Action):
    """Carry on exactly where the person was before the pause: the same form and the same question."""

    def name(self) -> str:
        return "action_resume"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        loop, slot = tracker.get_slot("paused_form"), tracker.get_slot("paused_slot")
        dispatcher.utter_message(response="utter_resume")
        events: list[dict[str, Any]] = [SlotSet("risk_level", None), SlotSet("paused_form", None),
                                        SlotSet("paused_slot", None)]
        if loop:
            # The dialogue asks the restored requested_slot again.
            return events + [ActiveLoop(loop), SlotSet(REQUESTED_SLOT, slot)]
        return events


_KEPT_ON_RESTART = ("campaign_id", "campaign_service_id")


class ActionRestartConversation(Action):
    """Clears every answer (keeping only where the person came from) and starts again."""

    def name(self) -> str:
        return "action_restart_conversation"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_restart")
        dispatcher.utter_message(response="utter_greet")
        dispatcher.utter_message(response="utter_ask_goal")
        kept = [SlotSet(name, tracker.get_slot(name)) for name in _KEPT_ON_RESTART if tracker.get_slot(name)]
        return [ActiveLoop(None), AllSlotsReset(), *kept, SlotSet("conversation_id", uuid.uuid4().hex)]


class ActionStopConversation(Action):
    def name(self) -> str:
        return "action_stop_conversation"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_stop")
        return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None), SlotSet("paused_form", None), SlotSet("paused_slot", None)]
