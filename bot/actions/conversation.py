"""Actions that work at any point: FAQs, crisis support, carry on, start again, stop."""

from __future__ import annotations

import uuid
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

FAQ_RESPONSES = {
    "ask_about_ips": "utter_faq_ips",
    "ask_benefits": "utter_faq_benefits",
    "ask_well_first": "utter_faq_well_first",
    "ask_human": "utter_phone_route",
}


class ActionAnswerFaq(Action):
    def name(self) -> str:
        return "action_answer_faq"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        dispatcher.utter_message(response=FAQ_RESPONSES.get(intent, "utter_info"))
        return []


class ActionCrisisSupport(Action):
    """Urgent help at once; the questions stop and go on only if the person wants."""

    def name(self) -> str:
        return "action_crisis_support"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_crisis")
        loop = (tracker.active_loop or {}).get("name") or tracker.get_slot("paused_loop")
        return [ActiveLoop(None), SlotSet("paused_loop", loop)]


class ActionResume(Action):
    """Carry on where the person was before the pause."""

    def name(self) -> str:
        return "action_resume"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        loop = tracker.get_slot("paused_loop")
        dispatcher.utter_message(response="utter_resume")
        if loop:
            return [SlotSet("paused_loop", None), FollowupAction(loop)]
        dispatcher.utter_message(response="utter_ask_goal")
        return []


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
        return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None), SlotSet("paused_loop", None)]
