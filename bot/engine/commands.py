"""Commands a person types in the middle of the questions: start again, stop, go back, change my …,
and corrections ("sorry I meant anxiety not depression").

Only whole, plain commands count here ("start again", "go back please"): a message that merely
contains a command's words ("I am waiting to start") is an answer first (CONTRACT.md "Answers
before commands"); the dialogue reads answers before it falls back on the classifier's intent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..answers import normalise

_POLITE = r"(?:please |ok |okay |sorry |um |hmm |erm |can (?:we|i|you) |could (?:we|i|you) |lets |let s |let me |" \
          r"i (?:want|wanna|would like|d like|need) to |i want |)*"
_END = r"(?: please| now| thanks| thank you| again)*$"
_RESTART = re.compile(rf"^{_POLITE}(?:start (?:again|over|afresh|from (?:the )?(?:start|beginning|scratch))|"
                      rf"restart|begin again|reset|clear (?:my|all) answers|start the chat again){_END}")
_STOP = re.compile(rf"^{_POLITE}(?:stop|quit|exit|cancel|end (?:the )?chat|stop (?:the )?(?:chat|questions)){_END}")
_BACK = re.compile(rf"^{_POLITE}(?:go back|back|previous|previous question|the previous question|last question|undo|"
                   rf"go back (?:one|a) (?:question|step)|take me back|go to the (?:previous|last) question|"
                   rf"back to the (?:previous|last) question|go back to the (?:previous|last) question){_END}")
_BACK_IN_A_FEW_WORDS = re.compile(r"\b(go back(?! (?:to|into|in) (?:work|my job|a job|the job|employment|working))|"
                                  r"previous question|last question|question before)\b")
_CHANGE_TO = re.compile(r"\b(?:change|chnage|update|correct|make)\s+(?:my|the)\s+(?P<what>[a-z ]{2,30}?)\s+to\s+(?P<value>.+)$")
_CHANGE = re.compile(r"\b(?:change|chnage|edit|fix|correct|update|redo)\s+(?:my|the|your|that)?\s*(?P<what>[a-z ]{2,40}?)\s*$|"
                     r"^(?:i )?(?:got|gave|put) (?:my |the )?(?P<what2>[a-z ]{2,30}?) wrong$|"
                     r"^(?:that s|that is|thats) (?:wrong|not right)$|^(?:wrong answer|i made a mistake|i got that wrong)$")
_CORRECTION = re.compile(r"^(?:(?:sorry|oops|oh|wait|no wait|actually|no|sorry no|my mistake|correction)[ ,]*)*"
                         r"(?:i meant|i mean|meant to say|i should have said|it should be|make that)\s+(?P<said>.+)$")
_WEAK_CORRECTION = re.compile(r"^(?:sorry|oops|actually|correction|no wait|wait|my mistake)[ ,]+(?:(?:its|it s|it is)\s+)?"
                              r"(?P<said>.+)$")

# The facts a person may name ("change my age"), with the words for each and the button title.
FACT_WORDS: dict[str, tuple[str, str]] = {
    "age": (r"\bage\b|how old", "My age"),
    "postcode": (r"post ?code|address|where i live", "My postcode"),
    "conditions": (r"condition|health|diagnos|illness|what i get support with|support with", "My health"),
    "employment_status": (r"\bwork(ing)?\b|\bjob\b|employ", "If I am working"),
    "talking_therapies": (r"talking|therap|iapt|counsel", "NHS Talking Therapies"),
    "drug_alcohol_treatment": (r"drug|alcohol", "Drug or alcohol treatment"),
    "right_to_work_uk": (r"right to work|allowed to work|visa", "If I can work in the UK"),
    "other_dwp_employment_programme": (r"programme|program|jobcentre|dwp", "Work programmes"),
    "registered_with_gp_in_area": (r"\bgp\b|doctor", "My GP"),
    "in_secondary_mental_health_care": (r"mental health team|cmht|early intervention|\bteam\b", "Mental health team"),
    "substance_use": (r"hard to control|substance", "Drugs or alcohol use"),
    "wants_paid_work": (r"want a job|paid work|what i want", "What I want help with"),
    "first_name": (r"\bname\b", "My name"),
    "phone": (r"phone|number|mobile", "My phone number"),
    "consent_sms": (r"\btext", "Texts"),
    "chosen_pathway": (r"service|choice|option", "The service I chose"),
}


@dataclass(frozen=True)
class Command:
    """What the person asked for: ``kind`` is restart, stop, back, change or correct."""

    kind: str
    fact: str | None = None  # change: the fact named (None: "change my answer"); correct: the fact named, if any
    said: str | None = None  # correct: what they meant ("anxiety not depression")
    strong: bool = True  # correct: "I meant …" (a command); "sorry, …" only when it is not an answer


def fact_named(words: str) -> str | None:
    """The fact a few words name ("my postcode", "the age"), or None."""
    for fact, (pattern, _title) in FACT_WORDS.items():
        if re.search(pattern, words):
            return fact
    return None


def read_command(text: str) -> Command | None:
    """A whole, plain command, or None (then the message is read as an answer first)."""
    words = normalise(text)
    if not words or len(words) > 120:
        return None
    if _RESTART.match(words):
        return Command("restart")
    if _STOP.match(words):
        return Command("stop")
    if _BACK.match(words):
        return Command("back")
    if len(words.split()) <= 8 and _BACK_IN_A_FEW_WORDS.search(words):
        return Command("back")
    change_to = _CHANGE_TO.search(words)
    if change_to and fact_named(change_to.group("what")):
        return Command("correct", fact=fact_named(change_to.group("what")), said=change_to.group("value"))
    change = _CHANGE.search(words)
    if change:
        what = change.group("what") or change.group("what2") or ""
        if not what or re.fullmatch(r"(last )?(answer|answers|mind|reply)|it|that|something", what.strip()):
            return Command("change")
        fact = fact_named(what)
        if fact:
            return Command("change", fact=fact)
    correction = _CORRECTION.match(words)
    if correction:
        return Command("correct", said=correction.group("said"))
    weak = _WEAK_CORRECTION.match(words)
    if weak:
        return Command("correct", said=weak.group("said"), strong=False)
    return None


_NOT_PART = re.compile(r"^(?P<meant>.+?)\s*(?:,\s*)?\b(?:not|instead of|rather than)\b\s+(?P<wrong>.+)$|"
                       r"^not\s+(?P<wrong2>.+?)\s*(?:,\s*)?\b(?:but|it s|its|i meant)\b\s+(?P<meant2>.+)$")


def split_correction(said: str) -> tuple[str, str | None]:
    """("anxiety", "depression") from "anxiety not depression"; (said, None) without a "not"."""
    match = _NOT_PART.match(said)
    if not match:
        return said, None
    if match.group("meant"):
        return match.group("meant"), match.group("wrong")
    return match.group("meant2"), match.group("wrong2")
