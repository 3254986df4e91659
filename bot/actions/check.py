"""Starting the check, and showing the options in plain English once the questions are done."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from rules import default_engine

from .. import answers
from ..questions import known_facts

# Sample data: an Ofcom drama number (0306 999 0xxx), to be replaced by the real service line.
PHONE_LINE = "0306 999 0123"


class ActionStartCheck(Action):
    """Records what the person wants (find work or keep a job) and starts the questions."""

    def name(self) -> str:
        return "action_start_check"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        events: list[dict[str, Any]] = [SlotSet("wants_paid_work", True)]
        text = str(tracker.latest_message.get("text") or "")
        if intent == "want_keep_job" and tracker.get_slot("employment_status") is None:
            off_sick = answers.read_choice(text, [], answers.EMPLOYMENT_WORDS[:1]) == "in_work_off_sick"
            events.append(SlotSet("employment_status", "in_work_off_sick" if off_sick else "in_work"))
        elif intent == "want_find_work" and tracker.get_slot("employment_status") is None:
            events.append(SlotSet("employment_status", "out_of_work"))
        dispatcher.utter_message(response="utter_start_check")
        return events + [FollowupAction("eligibility_form")]


def _option(pathway: dict[str, Any], campaign_service: str | None) -> dict[str, Any] | None:
    """The service a person can refer themselves to for this pathway, near them (or None)."""
    services = [s for s in pathway["services"] if s.get("accepts_self_referral")]
    if not services:
        return None
    service = next((s for s in services if s["id"] == campaign_service), services[0])
    return {"pathway": pathway["id"], "short_name": pathway["short_name"], "service_id": service["id"],
            "service_name": service["name"], "service_phone": service.get("phone", "")}


class ActionCheckEligibility(Action):
    """Evaluates the facts with the rules engine and explains the options; the person chooses."""

    def name(self) -> str:
        return "action_check_eligibility"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        decision = default_engine().evaluate(known_facts(tracker.slots))
        live = [p for p in decision["pathways"] if p["status"] == "eligible"]
        maybe = [p for p in decision["pathways"] if p["status"] == "needs_information"]
        if not live and not maybe:
            dispatcher.utter_message(response="utter_not_eligible")
            self._signpost(dispatcher, decision)
            dispatcher.utter_message(response="utter_phone_route")
            return [SlotSet("options", [])]

        lines = ["Good news. From what you told me, this support could help you:"]
        for pathway in live:
            lines.append(f"- {pathway['short_name']}: {pathway['summary']}")
        for pathway in maybe:
            lines.append(f"- {pathway['short_name']} (they will check a few more things with you): {pathway['summary']}")
        if decision.get("overlap"):
            lines.append("")
            lines.append("More than one could help. They work in different ways. You choose the one that suits you. "
                         "You can ask them about the others later.")
        dispatcher.utter_message(text="\n".join(lines))

        campaign_service = tracker.get_slot("campaign_service_id")
        options = []
        for pathway in live + maybe:
            option = _option(pathway, campaign_service)
            if option:
                options.append(option)
            elif pathway["services"]:
                service = pathway["services"][0]
                dispatcher.utter_message(
                    text=f"To get {pathway['short_name']}: {pathway['access_route']} "
                         f"You can call {service['name']} on {service.get('phone', PHONE_LINE)}.")
            elif pathway["available_locally"] is False:
                dispatcher.utter_message(
                    text=f"I could not find {pathway['short_name']} near your postcode. {pathway['availability']}")
        if not options:
            dispatcher.utter_message(response="utter_no_local_service")
            self._signpost(dispatcher, decision)
            return [SlotSet("options", [])]
        return [SlotSet("options", options), FollowupAction("referral_form")]

    @staticmethod
    def _signpost(dispatcher: CollectingDispatcher, decision: dict[str, Any]) -> None:
        signposts = decision.get("signposting") or []
        if not signposts:
            signposts = [{"name": "Jobcentre Plus", "description": "Your local Jobcentre can help you look for work.",
                          "phone": "0800 169 0190", "website": "https://www.gov.uk/contact-jobcentre-plus"}]
        lines = ["Other help you can use:"]
        for s in signposts:
            phone = f" Phone {s['phone']}." if s.get("phone") else ""
            lines.append(f"- {s['name']}: {s.get('description', '')}{phone} {s.get('website', '')}".rstrip())
        dispatcher.utter_message(text="\n".join(lines))


def _choice_payload(pathway: str) -> str:
    return "/inform" + json.dumps({"chosen_pathway": pathway})


class ActionAskChosenPathway(Action):
    """Asks which service the person wants (or, with one option, whether they want it)."""

    def name(self) -> str:
        return "action_ask_chosen_pathway"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        options = tracker.get_slot("options") or []
        if len(options) == 1:
            option = options[0]
            dispatcher.utter_message(
                text=f"Would you like me to send your details to {option['service_name']}? "
                     f"They can call you about {option['short_name']}.",
                buttons=[{"title": "Yes please", "payload": _choice_payload(option["pathway"])},
                         {"title": "No, not now", "payload": '/inform{"chosen_pathway": "none"}'}])
            return []
        buttons = [{"title": o["short_name"], "payload": _choice_payload(o["pathway"])} for o in options]
        buttons.append({"title": "None of these for now", "payload": '/inform{"chosen_pathway": "none"}'})
        dispatcher.utter_message(text="Which one would you like me to send your details to?", buttons=buttons)
        return []
