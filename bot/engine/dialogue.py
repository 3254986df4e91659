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
import json
import re
import time
import uuid
from functools import lru_cache
from typing import Any

from rasa_sdk.executor import ActionExecutor

from rules import default_engine

from ..actions import ACTION_CLASSES
from ..actions.referral_form import choose_pathway
from ..answers import (
    DWP_PROGRAMME,
    faq_topic,
    is_unsure,
    normalise,
    read_age,
    read_answer,
    read_conditions,
    read_phone,
    read_postcode,
    read_yes_no,
    volunteered_facts,
    wants_work,
)
from ..questions import FORM_FACTS
from .commands import FACT_WORDS, Command, read_command, split_correction
from .domain import load_domain, render
from .nlu import Interpreter, default_interpreter
from .safety_check import assess, carries_on, denies_risk, says_safe

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
REFERRAL_SLOTS = ("chosen_pathway", "consent_share_with_service", "first_name", "phone", "consent_sms")
# The answers a person gives, in the order "go back" walks back through them.
ANSWER_SLOTS = FORM_FACTS + REFERRAL_SLOTS
TRANSCRIPT_LIMIT = 300
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
        shown = self._shown(text, parsed)
        if shown is not None:
            self.transcript("user", shown)
        before = self._answers()
        self._first_event = len(self.tracker["events"])
        try:
            self.dispatch(text, parsed)
        finally:
            self._track_answers(before, text, parsed)

    def dispatch(self, text: str, parsed: dict[str, Any]) -> None:
        """Risk first; then a pending "start again?"; then plain commands; then answers; then intents."""
        first_turn = not any(m.get("who") == "bot" for m in self.tracker.get("transcript") or [])
        # Safety first: before anything else, on every message (typed, or a button's payload), and
        # nothing below can override it.
        if self.safety(text, parsed):
            return
        intent = parsed["intent"]["name"]
        payload = parsed["payload"]
        command = self._payload_command(parsed) if payload else read_command(text)
        if self.slots.get("confirm_restart"):
            self.set_slot("confirm_restart", None)
            answer = True if (command and command.kind == "restart") else read_yes_no(text, intent)
            if answer is True:
                self.run_action("action_restart_conversation")
                return
            if answer is False:
                self.utter("utter_restart_cancelled")
                self.ask_again()
                return
        if command and command.kind in ("restart", "stop"):
            self.command(command)
            return
        if self.slots.get("risk_level") == "urgent":
            # After the crisis help the questions wait until the person says they want to carry on.
            # A typed "ok" acknowledges the help; the button (or "I'm safe, carry on") carries on.
            if intent in GOAL_INTENTS or carries_on(text, intent if payload else None):
                self.resume(wants_check=intent in GOAL_INTENTS or wants_work(text))
            elif faq_topic(text) or intent in FAQ_INTENTS:
                self.run_action("action_answer_faq")
                self.utter("utter_crisis_paused")
            else:
                self.utter("utter_crisis_paused")
            return
        loop = self.loop
        requested = self.slots.get("requested_slot")
        # A weak correction ("sorry, …", "no wait, …") counts only when it names a value of its own (an
        # age, a postcode, a condition): "sorry, not sure" and "actually yes" answer the question asked.
        if command and self.command(command):
            return
        if loop and (payload or not requested or self._reads_as_answer(requested, text, intent)):
            self.form_step(loop, parsed)
            return
        # Facts said in passing are kept even when the message is a question ("asking for my daughter, she's 24
        # and has bipolar"): read before the question is answered, never asked again.
        kept = {} if loop else self.keep_volunteered(text, parsed)
        if self.faq(text, parsed, strict=bool(loop)):
            return
        sure = payload or parsed["intent"]["confidence"] >= 0.6
        if intent == "restart" and sure and not (requested and DWP_PROGRAMME.search(normalise(text))):
            self.command(Command("restart"))
            return
        if intent == "stop" and sure:
            self.command(Command("stop"))
            return
        if loop:
            self.form_step(loop, parsed)
            return
        if kept and intent not in GOAL_INTENTS and not wants_work(text) and faq_topic(text) is None:
            # "I'm 34" before any question: kept, said so, and the choices offered.
            if first_turn:
                self.greet()
            self.utter("utter_noted")
            if not self._checked():
                self.utter("utter_ask_goal")
        elif not payload and parsed["intent"]["confidence"] < FALLBACK_THRESHOLD:
            if first_turn:
                self.greet()
            else:
                self.utter("utter_default")
            self.utter("utter_ask_goal")
        elif intent in GOAL_INTENTS or (not self._checked() and wants_work(text)):
            if first_turn:
                self.greet()  # who we are, how long it takes, and the phone line, before the first question
            self.run_action("action_start_check")
        elif intent == "want_info" or (intent == "dont_know" and not self._checked()):
            self.utter("utter_info")
        elif intent in ("affirm",) and self.slots.get("outcome_next") and not self._checked_referral():
            self.utter("utter_anything_else")
        elif intent == "goodbye" and not first_turn:
            self.utter("utter_goodbye")
        elif intent == "greet" or first_turn:
            self.greet()
            self.utter("utter_ask_goal")
        elif self._checked():
            self.utter("utter_anything_else")
        else:
            self.utter("utter_default")
            self.utter("utter_ask_goal")

    def greet(self) -> None:
        """The greeting; someone who came from a text message's link is told we know why they are here."""
        self.utter("utter_greet_from_text" if self.slots.get("campaign_id") else "utter_greet")

    # -- answers before commands ---------------------------------------------------------------

    def _allowed(self, slot: str) -> list[str]:
        vocabulary = default_engine().vocabulary
        return list(vocabulary[slot].values) if slot in vocabulary else []

    def _reads_as_answer(self, slot: str, text: str, intent: str | None) -> bool:
        """The message answers the question asked (the same readers as the form's validators)."""
        if slot == "chosen_pathway":
            return choose_pathway(text, self.slots.get("options") or [], intent) is not None
        if is_unsure(text, None) and slot in FORM_FACTS:
            return True
        return read_answer(slot, text, self._allowed(slot), intent) is not None

    def keep_volunteered(self, text: str, parsed: dict[str, Any]) -> dict[str, Any]:
        """Facts said plainly in any message are kept and never asked ("hi I'm 16 and have psychosis")."""
        if parsed["payload"]:
            return {}
        kept = {}
        for fact, value in volunteered_facts(text).items():
            if self.slots.get(fact) is None and fact not in (self.slots.get("unsure_facts") or []):
                self.set_slot(fact, value)
                kept[fact] = value
        return kept

    # -- commands --------------------------------------------------------------------------------

    @staticmethod
    def _payload_command(parsed: dict[str, Any]) -> Command | None:
        name = parsed["intent"]["name"]
        if name == "change":
            fact = next((e["value"] for e in parsed["entities"] if e["entity"] == "fact"), None)
            return Command("change", fact=fact if isinstance(fact, str) else None)
        if name == "go_back":
            return Command("back")
        if name == "restart":
            return Command("restart")
        return None

    def command(self, command: Command) -> bool:
        """Carry out a plain command; False when it does not apply (then the message is read as usual)."""
        if command.kind == "restart":
            self.set_slot("confirm_restart", True)
            self.utter("utter_confirm_restart")
            return True
        if command.kind == "stop":
            self.run_action("action_stop_conversation")
            return True
        if command.kind == "back":
            self.go_back()
            return True
        if command.kind == "change":
            if command.fact:
                self.reopen(command.fact, "utter_change_ok")
            else:
                self.which_answer()
            return True
        if command.kind == "correct" and command.said:
            return self.correct(command.said, command.fact, command.strong)
        return False

    def answered(self) -> list[str]:
        return [f for f in self.slots.get("answered_order") or [] if f in ANSWER_SLOTS]

    def go_back(self) -> None:
        """requested_slot becomes the fact answered just before, and that question is asked again."""
        requested = self.slots.get("requested_slot")
        # Facts worked out from the goal chosen ("Finding a job": not working) were never asked: going back
        # to them would ask a question the person has not seen (FIELD-NOTES "The chat").
        inferred = set(self.tracker.get("inferred_facts") or [])
        earlier = [f for f in self.answered() if f != requested and f not in inferred]
        if not earlier:
            self.utter("utter_no_earlier_question")
            self.ask_again()
            return
        self.reopen(earlier[-1], "utter_go_back")

    def which_answer(self) -> None:
        """ "change my answer": which one? A button for each answer given, latest first."""
        answered = [f for f in reversed(self.answered()) if f in FACT_WORDS][:8]
        if not answered:
            self.utter("utter_no_earlier_question")
            self.ask_again()
            return
        buttons = [{"title": FACT_WORDS[f][1], "payload": "/change" + json.dumps({"fact": f})} for f in answered]
        self._say({"text": "Which answer do you want to change?", "buttons": buttons})

    def reopen(self, fact: str, acknowledgement: str) -> None:
        """Ask ``fact`` again: the form that asks it becomes active with requested_slot = fact."""
        if fact not in ANSWER_SLOTS:
            self.ask_again()
            return
        if self.slots.get("referral_reference"):
            self.utter("utter_already_sent")
            return
        form = "referral_form" if fact in REFERRAL_SLOTS else "eligibility_form"
        if form == "eligibility_form":
            self._forget_choice()
        elif fact == "chosen_pathway":
            self.set_slot("consent_share_with_service", None)
        self.set_slot(fact, None)
        unsure = [f for f in self.slots.get("unsure_facts") or [] if f != fact]
        if unsure != (self.slots.get("unsure_facts") or []):
            self.set_slot("unsure_facts", unsure)
        if self.loop != form:
            self.tracker["active_loop"] = {"name": form}
            self._event({"event": "active_loop", "name": form})
        self.set_slot("requested_slot", fact)
        self.utter(acknowledgement)
        self.ask(fact)

    def _forget_choice(self) -> None:
        """Answers about the person changed: the options (and the choice made from them) are worked out again."""
        for slot in ("options", "chosen_pathway", "chosen_service_id", "chosen_service_name",
                     "consent_share_with_service", "consent_sms", "outcome_next", "outcome_why"):
            if self.slots.get(slot) is not None:
                self.set_slot(slot, None)

    def correct(self, said: str, named: str | None = None, strong: bool = True) -> bool:
        """ "sorry I meant anxiety not depression", "actually I'm 35", "change my postcode to LS1 4AP":
        correct that fact and go on. False when what they meant cannot be read (then it is read as usual)."""
        meant, wrong = split_correction(said)
        if named:
            value = read_conditions(meant, self._allowed(named)) if named == "conditions" else \
                read_answer(named, meant, self._allowed(named))
            fact, value = (named, value) if value not in (None, ["none"]) or named != "conditions" else (None, None)
            if value is None:
                fact = None
        else:
            fact, value = self._corrected_value(meant, wrong, generic=strong)
        if fact is None:
            return False
        if self.slots.get("referral_reference"):
            self.utter("utter_already_sent")
            return True
        form = "referral_form" if fact in REFERRAL_SLOTS else "eligibility_form"
        self.set_slot(fact, value)
        unsure = [f for f in self.slots.get("unsure_facts") or [] if f != fact]
        if unsure != (self.slots.get("unsure_facts") or []):
            self.set_slot("unsure_facts", unsure)
        self.utter("utter_corrected")
        if form == "eligibility_form" and self.loop != "eligibility_form" and self.slots.get("options") is not None:
            self._forget_choice()
            self.activate("eligibility_form")
        elif self.loop == form:
            self.run_action(f"validate_{form}", followups=False)
            self.continue_form(form)
        else:
            self.ask_again()
        return True

    def _corrected_value(self, meant: str, wrong: str | None, generic: bool = True) -> tuple[str | None, Any]:
        conditions = read_conditions(meant, self._allowed("conditions"))
        wrong_conditions = read_conditions(wrong, self._allowed("conditions")) if wrong else None
        if (conditions and conditions != ["none"]) or (wrong_conditions and self.slots.get("conditions")):
            current = [c for c in self.slots.get("conditions") or [] if c not in (wrong_conditions or []) and c != "none"]
            value = list(dict.fromkeys(current + [c for c in conditions or [] if c != "none"]))
            return ("conditions", value) if value else (None, None)
        postcode = read_postcode(meant)
        if postcode and any(ch.isdigit() for ch in meant):
            return "postcode", postcode
        if re.search(r"\d|twenty|thirty|forty|fifty|sixty|seventy|sixteen|seventeen|eighteen|nineteen", meant):
            phone = read_phone(meant)
            if phone:
                return "phone", phone
            age = read_age(meant)
            if age is not None:
                return "age", age
        for fact in reversed(self.answered()) if generic else ():
            if fact in ("first_name", "conditions", "age", "postcode", "phone"):
                continue
            value = read_answer(fact, meant, self._allowed(fact))
            if value is not None:
                return fact, value
        return None, None

    def faq(self, text: str, parsed: dict[str, Any], strict: bool) -> bool:
        """A question people ask (cost, how long, benefits, confidential, for my son, why not?) is
        answered, and the question asked before is asked again."""
        topic = faq_topic(text)
        intent = parsed["intent"]
        if topic is None and not (intent["name"] in FAQ_INTENTS and (
                parsed["payload"] or intent["confidence"] >= (FAQ_IN_FORM_THRESHOLD if strict else 0))):
            return False
        if topic in ("why", "what_next") and not self.slots.get("outcome_next"):
            return False
        self.run_action("action_answer_faq")
        if self.loop:
            self.ask(self.slots.get("requested_slot"))
        elif topic not in ("why", "what_next") and not self._checked():
            self.utter("utter_ask_goal")
        return True

    def ask_again(self) -> None:
        """Repeat the question being asked (or the choices, outside the questions)."""
        if self.loop and self.slots.get("requested_slot"):
            self.ask(self.slots["requested_slot"])
        elif self.loop:
            self.continue_form(self.loop)
        elif not self._checked():
            self.utter("utter_ask_goal")

    # -- which answers were given, in order, and in the person's own words -------------------------

    def _answers(self) -> dict[str, Any]:
        return {f: copy.deepcopy(self.slots.get(f)) for f in ANSWER_SLOTS} | {
            "unsure_facts": list(self.slots.get("unsure_facts") or [])}

    def _track_answers(self, before: dict[str, Any], text: str, parsed: dict[str, Any]) -> None:
        order = [f for f in self.slots.get("answered_order") or [] if f in ANSWER_SLOTS]
        started = any(e.get("event") == "action" and e.get("name") == "action_start_check"
                      for e in self.tracker["events"][self._first_event:])
        inferred = set(self.tracker.get("inferred_facts") or [])
        own = dict(self.slots.get("own_words") or {})
        unsure_now = self.slots.get("unsure_facts") or []
        changed = False
        for fact in ANSWER_SLOTS:
            value = self.slots.get(fact)
            newly_unsure = fact in unsure_now and fact not in before["unsure_facts"]
            if (value is not None and value != before.get(fact)) or newly_unsure:
                order = [f for f in order if f != fact] + [fact]
                # Set by starting the check (from the goal chosen), not answered: remembered as such.
                if started and fact in ("wants_paid_work", "employment_status") \
                        and (parsed["payload"] or fact not in volunteered_facts(text)):
                    inferred.add(fact)
                else:
                    inferred.discard(fact)
                if not parsed["payload"] and fact in default_engine().vocabulary:
                    own[fact] = text.strip()[:200]
                elif fact in own:
                    del own[fact]
                changed = True
            elif value is None and fact not in unsure_now and fact in order:
                order = [f for f in order if f != fact]
                own.pop(fact, None)
                changed = True
        self.tracker["inferred_facts"] = sorted(inferred)
        if changed:
            self.set_slot("answered_order", order)
            self.set_slot("own_words", own)

    def _checked_referral(self) -> bool:
        return bool(self.slots.get("referral_reference"))

    def safety(self, text: str, parsed: dict[str, Any]) -> bool:
        """The risk check (bot.safety.assess_risk) and its answers; True when it has answered the turn.

        ``urgent``: the crisis help at once, any form stops. ``check``: a direct question, with the
        crisis lines beside it; an answer that the person is safe resumes exactly where they were,
        "yes" or anything at risk is urgent. An unclear answer is asked again."""
        level, category, reason = assess(text)
        awaiting_check = self.slots.get("risk_level") == "check"
        if level is None and not awaiting_check:
            return False
        if level is not None:
            self.set_slot("risk_category", category)
            self.set_slot("risk_reason", reason)
        if awaiting_check and level == "check" and denies_risk(text) and says_safe(text, parsed["intent"]["name"]) is True:
            self.resume()  # "no, I'm not suicidal" answers the direct question: a no, not a new risk
            return True
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
            if faq_topic(text) or (intent in FAQ_INTENTS and parsed["intent"]["confidence"] >= FAQ_IN_FORM_THRESHOLD):
                self.run_action("action_answer_faq")
            self.utter("utter_risk_check_again")
        return True

    def resume(self, wants_check: bool = False) -> None:
        """Carry on where the person was: the same form asks the same question again (or, with no
        questions on hold, the check starts if they asked for it)."""
        self.run_action("action_resume")
        loop = self.loop
        if loop and self.slots.get("requested_slot"):
            self.ask(self.slots["requested_slot"])
        elif loop:
            self.continue_form(loop)
        elif wants_check and not self._checked():
            self.run_action("action_start_check")
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
        """Read the answer through the form's validation action, then ask the next question.

        Facts volunteered beside the answer ("29, and I have depression") are read too."""
        requested = self.slots.get("requested_slot")
        form_slots = self.assistant.forms[loop]
        candidates: dict[str, Any] = {}
        for entity in parsed["entities"]:
            name = entity["entity"]
            from_payload = entity.get("extractor") == "payload"
            if name in form_slots and (from_payload or name in ENTITY_SLOTS.get(loop, set())) \
                    and (name == requested or self.slots.get(name) is None or from_payload):
                candidates[name] = entity["value"]
        if loop == "eligibility_form" and not parsed["payload"]:
            unsure = self.slots.get("unsure_facts") or []
            for name, value in volunteered_facts(parsed["text"]).items():
                # "I want to keep my job" was taken as in work; "I'm off sick" says more, and is kept.
                refines = name == "employment_status" and self.slots.get(name) == "in_work" and value == "in_work_off_sick"
                if name != requested and name in form_slots and (self.slots.get(name) is None or refines) \
                        and name not in unsure:
                    candidates.setdefault(name, value)
        intent = parsed["intent"]["name"]
        reads = bool(requested) and (parsed["payload"] or self._reads_as_answer(requested, parsed["text"], intent))
        # from_text for the question asked, unless the message answered other questions instead
        # ("S1 2AB" while asked about work programmes): then that question is simply asked again.
        if requested and requested not in candidates and (reads or not candidates):
            candidates[requested] = parsed["text"]
        elif requested and not reads and candidates:
            self.utter("utter_noted")  # other facts were given instead: kept, and the question asked again
        for name, value in candidates.items():
            self.set_slot(name, value)
        self.run_action(f"validate_{loop}", followups=False)
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
        message = {"text": message.get("text") or "", "buttons": list(message.get("buttons") or []),
                   **({"custom": message["custom"]} if message.get("custom") else {})}
        self.messages.append({"recipient_id": self.tracker["sender_id"], **message})
        self._event({"event": "bot", "text": message["text"], "data": {"buttons": message["buttons"]}})
        self.transcript("bot", message["text"], message["buttons"], message.get("custom"))

    def transcript(self, who: str, text: str, buttons: list[dict[str, Any]] | None = None,
                   custom: dict[str, Any] | None = None) -> None:
        """What the person saw, kept with the conversation so a page reload shows it again."""
        entry: dict[str, Any] = {"who": who, "text": text}
        if buttons:
            entry["buttons"] = buttons
        if custom:
            entry["custom"] = custom
        self.tracker["transcript"] = (self.tracker.get("transcript") or [])[-(TRANSCRIPT_LIMIT - 1):] + [entry]

    def _shown(self, text: str, parsed: dict[str, Any]) -> str | None:
        """A button's title rather than its payload, as the chat showed it; None for the page's own
        opening "/greet" (the person did not say it)."""
        if parsed["payload"] and parsed["intent"]["name"] == "greet":
            return None
        if not parsed["payload"]:
            return text
        offered = next((e.get("buttons") for e in reversed(self.tracker.get("transcript") or [])
                        if e.get("who") == "bot" and e.get("buttons")), None) or []
        titles = {b.get("payload"): str(b.get("title")) for b in offered}
        if text in titles:
            return titles[text]
        # Several tick boxes at once: each value's own button title.
        chosen = [value for e in parsed["entities"] if isinstance(e.get("value"), list) for value in e["value"]]
        single = {}
        for payload, title in titles.items():
            values = self.assistant.interpreter.parse(payload)["entities"] if payload else []
            for entity in values:
                if isinstance(entity.get("value"), list) and len(entity["value"]) == 1:
                    single[entity["value"][0]] = title
        if chosen and all(value in single for value in chosen):
            return ", ".join(single[value] for value in chosen)
        return text

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
