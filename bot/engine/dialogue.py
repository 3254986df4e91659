"""The dialogue manager: what the bot does with each message.

Every message is checked for risk before anything else. Then: "start again" and "stop" work
at any point; an active form reads the answer through its rasa-sdk validation action (whose
FormValidationAction sees the answer as the *trailing* SlotSet events, as with a Rasa server);
questions about IPS, benefits or being well first are answered and the form goes on; otherwise
the person's intent picks the next step. The tracker is a plain JSON dict in Rasa's format.
"""

from __future__ import annotations

import asyncio
import copy
import re
import time
import uuid
from functools import lru_cache
from typing import Any

from rasa_sdk.executor import ActionExecutor

from rules import default_engine

from ..actions import ACTION_CLASSES
from ..answers import DWP_PROGRAMME, normalise
from .safety_check import assess, carries_on, says_safe
from .domain import load_domain, render
from .nlu import Interpreter, default_interpreter

MAX_EVENTS = 80
# Below this confidence the classifier's guess is not acted on outside a form: the person gets
# "I did not understand" and the buttons instead of a wrong turn. Chosen on cross-validated
# predictions of bot/data/nlu.yml: at 0.4 about 94% of messages are acted on, at about 93%
# accuracy, and about 40% of the wrong guesses are caught (config.yml's FallbackClassifier matches).
FALLBACK_THRESHOLD = 0.4
# An answer the form could not read is taken for a question only when the classifier is fairly sure:
# "my mental health", asked what the person gets support with, is not "do I have to be well first?".
FAQ_IN_FORM_THRESHOLD = 0.6
FAQ_INTENTS = {"ask_about_ips", "ask_benefits", "ask_well_first", "ask_human"}
GOAL_INTENTS = {"want_find_work", "want_keep_job"}
FORM_DONE_ACTIONS = {"eligibility_form": "action_check_eligibility", "referral_form": "action_submit_referral"}
# from_entity mappings: which extracted entities may fill a slot, and in which form.
ENTITY_SLOTS = {"eligibility_form": {"age", "postcode"}, "referral_form": {"phone"}}
_METADATA_VALUE = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")


class Assistant:
    """Runs one conversation turn at a time; holds no per-conversation state itself."""

    def __init__(self, interpreter: Interpreter | None = None, domain: dict[str, Any] | None = None):
        self.interpreter = interpreter or default_interpreter()
        self.domain = domain or load_domain()
        self.executor = ActionExecutor()
        # Registered one by one, not with register_package: that would exit the process on an
        # ImportError and pick up every Action subclass loaded anywhere in the process.
        for action in ACTION_CLASSES:
            self.executor.register_action(action)
        self.slot_names = list(self.domain["slots"]) + ["requested_slot"]
        self.forms = {name: list(form.get("required_slots", [])) for name, form in self.domain["forms"].items()}

    def new_tracker(self, sender_id: str) -> dict[str, Any]:
        slots = {name: None for name in self.slot_names}
        slots["conversation_id"] = uuid.uuid4().hex
        return {"sender_id": sender_id, "slots": slots, "latest_message": {}, "events": [], "paused": False,
                "followup_action": None, "active_loop": {}, "latest_action_name": None}

    def handle(self, tracker: dict[str, Any], text: str, metadata: dict[str, Any] | None = None
               ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Process one message; return the updated tracker and the bot's messages."""
        turn = _Turn(self, tracker)
        turn.handle(text, metadata or {})
        tracker["events"] = tracker["events"][-MAX_EVENTS:]
        return tracker, turn.messages


class _Turn:
    def __init__(self, assistant: Assistant, tracker: dict[str, Any]):
        self.assistant = assistant
        self.tracker = tracker
        self.slots = tracker["slots"]
        self.messages: list[dict[str, Any]] = []

    # -- the turn ------------------------------------------------------------------------------

    def handle(self, text: str, metadata: dict[str, Any]) -> None:
        self._metadata(metadata)
        parsed = self.assistant.interpreter.parse(text)
        self.tracker["latest_message"] = {k: parsed[k] for k in ("text", "intent", "intent_ranking", "entities")}
        self._event({"event": "user", "text": text, "parse_data": self.tracker["latest_message"],
                     "input_channel": "rest", "metadata": {}})
        first_turn = not any(e.get("event") == "bot" for e in self.tracker["events"])

        # Safety first: before anything else, on every message (typed, or a button's payload), and
        # nothing below can override it.
        if self.safety(text, parsed):
            return

        intent = parsed["intent"]["name"]
        sure = parsed["payload"] or parsed["intent"]["confidence"] >= 0.6
        loop = self.loop
        if loop and intent == "restart" and not parsed["payload"] \
                and self.slots.get("requested_slot") == "other_dwp_employment_programme" \
                and DWP_PROGRAMME.search(normalise(text)):
            sure = False  # "I'm on Restart" names a DWP programme: an answer, not "start again"
        if intent == "restart" and sure:
            self.run_action("action_restart_conversation")
            return
        if intent == "stop" and sure:
            self.run_action("action_stop_conversation")
            return
        if self.slots.get("paused_form") and not loop:
            if intent in GOAL_INTENTS or carries_on(text, intent):
                self.resume()
            elif intent in FAQ_INTENTS:
                self.run_action("action_answer_faq")
                self.utter("utter_crisis_paused")
            else:
                self.utter("utter_crisis_paused")
            return
        if loop:
            if intent in FAQ_INTENTS and (parsed["payload"] or parsed["intent"]["confidence"] >= 0.75):
                self.run_action("action_answer_faq")
                self.ask(self.slots.get("requested_slot"))
                return
            self.form_step(loop, parsed)
            return
        if not parsed["payload"] and parsed["intent"]["confidence"] < FALLBACK_THRESHOLD:
            if first_turn:
                self.utter("utter_greet")
            else:
                self.utter("utter_default")
            self.utter("utter_ask_goal")
        elif intent in FAQ_INTENTS:
            self.run_action("action_answer_faq")
            if not first_turn and not self._checked():
                self.utter("utter_ask_goal")
        elif intent in GOAL_INTENTS:
            self.run_action("action_start_check")
        elif intent == "want_info" or (intent == "dont_know" and not self._checked()):
            self.utter("utter_info")
        elif intent == "goodbye" and not first_turn:
            self.utter("utter_goodbye")
        elif intent == "greet" or first_turn:
            self.utter("utter_greet")
            self.utter("utter_ask_goal")
        elif self._checked():
            self.utter("utter_anything_else")
        else:
            self.utter("utter_default")
            self.utter("utter_ask_goal")

    def safety(self, text: str, parsed: dict[str, Any]) -> bool:
        """The risk check (bot.safety.assess_risk) and its answers; True when it has answered the turn.

        ``urgent``: the crisis help at once, any form stops. ``check``: a direct question, with the
        crisis lines beside it; an answer that the person is safe resumes exactly where they were,
        "yes" or anything at risk is urgent. An unclear answer is asked again."""
        level, category = assess(text)
        awaiting_check = self.slots.get("risk_level") == "check"
        if level is None and not awaiting_check:
            return False
        if level is not None:
            self.set_slot("risk_category", category)
        if level == "urgent" or (level is not None and awaiting_check):
            self.run_action("action_crisis_support")
            return True
        if level == "check":
            self.run_action("action_risk_check")
            return True
        # Awaiting the answer to "are you thinking about ending your life or harming yourself?"
        intent = parsed["intent"]["name"]
        safe = says_safe(text, intent)
        if safe is True:
            self.resume()
        elif safe is False:
            self.run_action("action_crisis_support")
        else:
            self.utter("utter_risk_check_again")
        return True

    def resume(self) -> None:
        """Carry on where the person was: the same form asks the same question again."""
        self.run_action("action_resume")
        loop = self.loop
        if loop and self.slots.get("requested_slot"):
            self.ask(self.slots["requested_slot"])
        elif loop:
            self.continue_form(loop)
        elif not self._checked():
            self.utter("utter_ask_goal")

    def _checked(self) -> bool:
        """The check is done (options shown, or a referral made): no need to offer the goals again."""
        return bool(self.slots.get("referral_reference")) or self.slots.get("options") is not None

    # -- forms ---------------------------------------------------------------------------------

    @property
    def loop(self) -> str | None:
        return (self.tracker.get("active_loop") or {}).get("name")

    def form_step(self, loop: str, parsed: dict[str, Any]) -> None:
        """Read the answer through the form's validation action, then ask the next question."""
        requested = self.slots.get("requested_slot")
        form_slots = self.assistant.forms[loop]
        candidates: dict[str, Any] = {}
        for entity in parsed["entities"]:
            name = entity["entity"]
            from_payload = entity.get("extractor") == "payload"
            if name in form_slots and (from_payload or name in ENTITY_SLOTS.get(loop, set())) \
                    and (name == requested or self.slots.get(name) is None or from_payload):
                candidates[name] = entity["value"]
        # from_text for the question asked, unless the message answered other questions instead
        # ("S1 2AB" while asked about work programmes): then that question is simply asked again.
        if requested and requested not in candidates and (not candidates or requested == "conditions"):
            candidates[requested] = parsed["text"]
        snapshot = (copy.deepcopy(self.tracker), len(self.messages))
        for name, value in candidates.items():
            self.set_slot(name, value)
        self.run_action(f"validate_{loop}", followups=False)
        answered = requested is None or self.slots.get(requested) is not None \
            or requested in (self.slots.get("unsure_facts") or [])
        intent = parsed["intent"]
        if not answered and not parsed["payload"] and intent["confidence"] >= FAQ_IN_FORM_THRESHOLD and (
                intent["name"] in FAQ_INTENTS or intent["name"] == "want_info"):
            # Not an answer but a question: answer it, then ask again.
            self.tracker.clear()
            self.tracker.update(snapshot[0])
            self.slots = self.tracker["slots"]
            del self.messages[snapshot[1]:]
            self.run_action("action_answer_faq")
            self.ask(requested)
            return
        self.continue_form(loop)

    def activate(self, loop: str) -> None:
        self.tracker["active_loop"] = {"name": loop}
        self._event({"event": "active_loop", "name": loop})
        self.run_action(f"validate_{loop}", followups=False)
        self.continue_form(loop)

    def continue_form(self, loop: str) -> None:
        if self.loop != loop:
            return
        requested = self.slots.get("requested_slot")
        if requested:
            self.ask(requested)
            return
        self.tracker["active_loop"] = {}
        self._event({"event": "active_loop", "name": None})
        self.run_action(FORM_DONE_ACTIONS[loop])

    def ask(self, slot: str | None) -> None:
        if not slot:
            return
        if f"action_ask_{slot}" in self.assistant.executor.actions:
            self.run_action(f"action_ask_{slot}")
        else:
            self.utter(f"utter_ask_{slot}")

    # -- actions and events --------------------------------------------------------------------

    def run_action(self, name: str, followups: bool = True) -> None:
        """Call a rasa-sdk action through the executor, exactly as Rasa calls an action server."""
        payload = {
            "next_action": name,
            "sender_id": self.tracker["sender_id"],
            "tracker": copy.deepcopy(self.tracker),
            # The domain is read-only for actions and large: copying it for every action was most of a turn's time.
            "domain": self.assistant.domain,
            "version": "3.21.1",
        }
        result = asyncio.run(self.assistant.executor.run(payload))
        data = result.model_dump() if result is not None else {"events": [], "responses": []}
        self._event({"event": "action", "name": name})
        for response in data["responses"]:
            self._say(render(response, self.slots, self.assistant.domain))
        followup = None
        for event in data["events"]:
            kind = event.get("event")
            if kind == "slot":
                self.set_slot(event["name"], event.get("value"), record=False)
            elif kind == "active_loop":
                self.tracker["active_loop"] = {"name": event["name"]} if event.get("name") else {}
            elif kind in ("reset_slots", "restart"):
                conversation = self.slots.get("conversation_id")
                for slot in list(self.slots):
                    self.slots[slot] = None
                self.slots["conversation_id"] = conversation
            elif kind == "followup":
                followup = event["name"]
            self._event(event)
        if followup and followups:
            if followup in self.assistant.forms:
                self.activate(followup)
            else:
                self.run_action(followup)

    def set_slot(self, name: str, value: Any, record: bool = True) -> None:
        self.slots[name] = value
        if record:
            self._event({"event": "slot", "name": name, "value": value})

    def utter(self, response: str) -> None:
        self._event({"event": "action", "name": response})
        self._say(render({"response": response}, self.slots, self.assistant.domain))

    def _say(self, message: dict[str, Any]) -> None:
        self.messages.append({"recipient_id": self.tracker["sender_id"], **message})
        self._event({"event": "bot", "text": message["text"], "data": {"buttons": message["buttons"]}})

    def _event(self, event: dict[str, Any]) -> None:
        self.tracker["events"].append({**event, "timestamp": time.time()})

    def _metadata(self, metadata: dict[str, Any]) -> None:
        """Tracked links: the web chat page passes ?campaign= and ?service= from its URL."""
        campaign, service = metadata.get("campaign"), metadata.get("service")
        if isinstance(campaign, str) and _METADATA_VALUE.match(campaign) and not self.slots.get("campaign_id"):
            self.set_slot("campaign_id", campaign)
        if isinstance(service, str) and _METADATA_VALUE.match(service) and not self.slots.get("campaign_service_id") \
                and default_engine().ruleset.directory.service(service) is not None:
            self.set_slot("campaign_service_id", service)


@lru_cache(maxsize=1)
def default_assistant() -> Assistant:
    """The assistant with the shipped domain and NLU, built once per process."""
    return Assistant()
