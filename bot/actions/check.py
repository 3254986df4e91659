"""Starting the check, and showing the options in plain English once the questions are done."""

from __future__ import annotations

import json
import re
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
        if intent not in ("want_find_work", "want_keep_job"):  # said in a longer message ("... I want a job")
            keep = re.search(r"\b(keep|stay in|hold on to)\b", answers.normalise(text))
            intent = "want_keep_job" if keep else "want_find_work"
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


IPS_IN_PLAIN_WORDS = ("IPS means Individual Placement and Support: someone from an NHS team works with you, one to one, "
                      "to find a paid job you want, and keeps helping once you start.")
# The national routes, for anyone the local services cannot help (DOMAIN.md; 000 Appendix 1 'Refer onto').
NATIONAL_ROUTES = [
    {"name": "Jobcentre Plus", "description": "Your local Jobcentre can help you look for work and tell you about other "
                                             "employment programmes.",
     "phone": "0800 169 0190", "website": "https://www.gov.uk/contact-jobcentre-plus"},
    {"name": "Access to Work", "description": "A grant and support to start or stay in work with a health condition or "
                                             "disability.",
     "phone": "0800 121 7479", "website": "https://www.gov.uk/access-to-work"},
    {"name": "Your GP", "description": "Your GP can talk to you about your health and work, and refer you to local support."},
]
YOUNG_PEOPLE = {"name": "Young people's and early intervention services",
                "description": "If you are under an early intervention team, ask them about help with work. Your GP, "
                               "school or college, or your local council's youth service can also tell you about work "
                               "support for young people.",
                "website": "https://www.nhs.uk/mental-health/children-and-young-adults/"}
# Past State Pension age the working-age services cannot help; careers advice has no upper age (nhse_2023
# Appendix 1: 'Linking with … training and education providers'; 'Refer onto … other employment support providers').
CAREERS_ADVICE = {"name": "National Careers Service",
                  "description": "Free careers advice for adults of any age, including after State Pension age: help "
                                 "with finding work, CVs and applications.",
                  "phone": "0800 100 900", "website": "https://nationalcareers.service.gov.uk"}
_IN_TALKING_THERAPIES = ("waiting", "in_treatment", "recently_discharged")


def _not_met(pathway: dict[str, Any]) -> list[dict[str, Any]]:
    decided = set(pathway.get("decided_by") or [])
    return [r for r in pathway["reasons"] if r["outcome"] == "not_met" and (not decided or r["criterion"] in decided)]


def _cohort_met(pathway: dict[str, Any]) -> bool:
    return any(r["criterion"] == "cohort" and r["outcome"] == "met" for r in pathway["reasons"])


def _phone(service: dict[str, Any]) -> str:
    return f" on {service['phone']}" if service.get("phone") else ""


class _Outcome:
    """One result, said once: what fits, why, and one "what happens next"."""

    def __init__(self, decision: dict[str, Any], facts: dict[str, Any], campaign_service: str | None, explained: bool):
        self.decision, self.facts, self.campaign_service = decision, facts, campaign_service
        self.explained = explained
        self.live = [p for p in decision["pathways"] if p["status"] in ("eligible", "needs_information")]

    def _name(self, pathway: dict[str, Any]) -> str:
        """The pathway's name; noted when it needs IPS explained (once, after the list: ``ips_note``)."""
        if "IPS" in pathway["short_name"] and not self.explained:
            self.explained = self.needs_note = True
        return pathway["short_name"]

    def ips_note(self) -> list[str]:
        """IPS in plain words, the first time it is named in the conversation."""
        if getattr(self, "needs_note", False):
            self.needs_note = False
            return ["", IPS_IN_PLAIN_WORDS]
        return []

    def through_treatment(self, pathway: dict[str, Any]) -> str | None:
        """Reached through the person's own treatment: ask the therapist or key worker."""
        services = pathway["services"]
        local = f" {services[0]['name']} can tell you more{_phone(services[0])}." if services else ""
        if pathway["id"] == "talking_therapies_ea" and self.facts.get("talking_therapies") in _IN_TALKING_THERAPIES:
            return ("Ask your NHS Talking Therapies therapist, or the Talking Therapies service you are waiting for, "
                    "for an Employment Adviser. They will arrange it with you." + local)
        if pathway["id"] == "ips_dna" and self.facts.get("drug_alcohol_treatment") is True:
            return ("Ask your key worker at your drug and alcohol service about IPS employment support. They can refer "
                    "you, at any point in your treatment." + local)
        return None

    def why_not(self) -> list[str]:
        """Which criterion decided it, in plain words: for the services closest to fitting."""
        close = [p for p in self.decision["pathways"] if p["status"] == "not_eligible" and _cohort_met(p)]
        lines: list[str] = []
        for pathway in close:
            for reason in _not_met(pathway):
                # Named, so "this service" is never ambiguous (several may be close to fitting).
                line = f"{self._name(pathway)}: {reason['explanation']}"
                if line not in lines:
                    lines.append(line)
        if not lines:
            if self.facts.get("wants_paid_work") is False:
                lines.append("These services are for people who want help to find or keep a paid job. If that changes, "
                             "you can come back at any time.")
            else:
                lines.append("The NHS work services I know about are for people who live with a mental or physical "
                             "health condition, or who are in treatment for drugs or alcohol.")
        return lines

    def alternatives(self) -> list[dict[str, Any]]:
        """The right other help: young people's services under the minimum age; national routes otherwise."""
        criteria = {r["criterion"] for p in self.decision["pathways"] if p["status"] == "not_eligible" for r in _not_met(p)}
        routes: list[dict[str, Any]] = []
        if "minimum_age" in criteria or (self.facts.get("age") is not None and self.facts["age"] < 18):
            routes.append(YOUNG_PEOPLE)
        if "working_age" in criteria and (self.facts.get("age") or 0) >= 66:
            routes.append(CAREERS_ADVICE)
        if self.facts.get("talking_therapies") in _IN_TALKING_THERAPIES and self.facts.get("wants_paid_work") is not False:
            routes.append({"name": "Your NHS Talking Therapies service",
                           "description": "You are already with NHS Talking Therapies: ask your therapist about an "
                                          "Employment Adviser, who can help you with work alongside your therapy."})
        routes += [s for s in self.decision.get("signposting") or [] if s.get("name")]
        names = {r["name"] for r in routes}
        if self.facts.get("wants_paid_work") is not False:
            routes += [r for r in NATIONAL_ROUTES if r["name"] not in names]
        return routes


def _why_fits(pathway: dict[str, Any]) -> str:
    """Why a service would fit: its criteria that were met, in plain words."""
    met = [r["explanation"] for r in pathway["reasons"] if r["outcome"] == "met"]
    return " ".join(met) or pathway["summary"]


def _route_lines(routes: list[dict[str, Any]]) -> list[str]:
    lines = []
    for route in routes:
        phone = f" Phone {route['phone']}." if route.get("phone") else ""
        website = f" {route['website']}" if route.get("website") else ""
        lines.append(f"- {route['name']}: {route.get('description', '').strip()}{phone}{website}")
    return lines


class ActionCheckEligibility(Action):
    """Evaluates the facts with the rules engine and explains the result once: what fits, why, and what
    happens next. Where the person can refer themselves, they choose."""

    def name(self) -> str:
        return "action_check_eligibility"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        facts = known_facts(tracker.slots)
        decision = default_engine().evaluate(facts)
        outcome = _Outcome(decision, facts, tracker.get_slot("campaign_service_id"), bool(tracker.get_slot("ips_explained")))
        options, team_routes, referred_by_others, not_near = [], [], [], []
        for pathway in outcome.live:
            option = _option(pathway, outcome.campaign_service)
            route = outcome.through_treatment(pathway)
            if option:
                options.append((pathway, option))
            elif route:
                team_routes.append((pathway, route))
            elif pathway["services"]:
                referred_by_others.append(pathway)
            else:
                not_near.append(pathway)

        if options:
            text, why, next_step = self._choose_from(outcome, options, team_routes)
        elif team_routes:
            lines = ["From what you told me, this support could help you:"]
            for pathway, _route in team_routes:
                lines.append(f"- {outcome._name(pathway)}: {pathway['summary']}")
            next_step = " ".join(route for _p, route in team_routes)
            lines += outcome.ips_note() + ["", f"What happens next: {next_step}"]
            text, why = "\n".join(lines), _why_fits(team_routes[0][0])
        elif referred_by_others:
            pathway = referred_by_others[0]
            service = pathway["services"][0]
            next_step = (f"{service['name']} does not take referrals straight from this chat. {pathway['access_route']} "
                         f"You can call {service['name']}{_phone(service)} to ask how to be referred.")
            text = "\n".join([f"From what you told me, {outcome._name(pathway)} could help you. {pathway['summary']}",
                              *outcome.ips_note(), "", f"What happens next: {next_step}"])
            why = _why_fits(pathway)
        elif not_near:
            text, why, next_step = self._none_near(outcome, not_near, facts)
        else:
            why_lines = outcome.why_not()
            routes = outcome.alternatives()
            next_step = ("You can use the other help below." if routes else
                         "Call us on 0306 999 0123 and we will talk it through with you.")
            lines = ["From what you told me, the NHS work services I know about cannot help you just now. This is why:"]
            lines += [f"- {line}" for line in why_lines] + outcome.ips_note()
            lines += ["", "Other help you can use:"] + _route_lines(routes)
            lines += ["", "If you want to talk it through, call us on 0306 999 0123 (Monday to Friday, 9am to 5pm)."]
            text, why = "\n".join(lines), " ".join(why_lines)
            next_step = "Use the other help listed above, or call us on 0306 999 0123 to talk it through."
        dispatcher.utter_message(text=text)
        events = [SlotSet("outcome_why", why), SlotSet("outcome_next", next_step), SlotSet("ips_explained", outcome.explained),
                  SlotSet("options", [o for _p, o in options])]
        if options:
            events.append(FollowupAction("referral_form"))
        return events

    def _choose_from(self, outcome: _Outcome, options, team_routes) -> tuple[str, str, str]:
        lines = ["Good news. From what you told me, I can send your details to:"]
        for pathway, option in options:
            checks = " They will check a few more things with you." if pathway["status"] == "needs_information" else ""
            lines.append(f"- {outcome._name(pathway)}, at {option['service_name']}: {pathway['summary']}{checks}")
        if len(options) + len(team_routes) > 1:
            lines += ["", "More than one could help. They work in different ways. You choose the one that suits you. "
                          "You can ask them about the others later."]
        for pathway, route in team_routes:
            lines += ["", f"You could also get {outcome._name(pathway)}. {route}"]
        lines += outcome.ips_note()
        next_step = "Choose a service, and I will send your details. Someone from the team will then call you."
        return "\n".join(lines), _why_fits(options[0][0]), next_step

    @staticmethod
    def _none_near(outcome: _Outcome, pathways, facts) -> tuple[str, str, str]:
        names = " or ".join(outcome._name(p) for p in pathways)
        if facts.get("postcode"):
            first = f"From what you told me, {names} could help you, but I could not find one near {facts['postcode']}."
        else:
            first = (f"From what you told me, {names} could help you. Without your postcode I cannot find a service near "
                     "you: say \"change my postcode\" to tell me.")
        routes = _route_lines(outcome.alternatives())
        next_step = "Contact one of the services below, or call us on 0306 999 0123 and we will help you find local support."
        text = "\n".join([first, *outcome.ips_note(), "", f"What happens next: {next_step}"] + routes)
        return text, " ".join(_why_fits(p) for p in pathways), next_step


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
