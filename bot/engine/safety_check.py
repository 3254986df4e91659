"""The dialogue's side of the safety check: the risk level of a message (bot.safety decides it) and
reading the answer to the direct question "are you thinking about ending your life or harming yourself?".
"""

from __future__ import annotations

import re

from ..answers import normalise
from ..safety import assess_risk  # the two-level assessment (CONTRACT.md "Risk first"): urgent | check | None


def assess(text: str) -> tuple[str | None, str | None, str | None]:
    """(level, category, reason) of a message: level ``urgent``, ``check`` or None. A button's payload is checked too."""
    result = assess_risk(text or "")
    level = result.level if result.level in ("urgent", "check") else None
    return level, result.category, result.reason


def denies_risk(text: str) -> bool:
    """The words would be at risk but are denied ("no, I'm not suicidal", "I'm not going to kill myself")."""
    return assess_risk(text or "").negated


# "I'm not safe", "not ok": never read as safe, whatever else the message says.
_NOT_SAFE = re.compile(r"\b(not|dont feel|don t feel|never) (safe|ok|okay|alright|fine|good)\b|\bunsafe\b")
_SAFE_STATEMENT = re.compile(
    r"\b(im|i am|i m|feel|feeling|i feel|i will be|ill be) (safe|ok|okay|fine|alright|all right|good)\b|^safe\b|"
    r"\bnot (thinking|going) (about|of|to) (that|it|anything like that|hurting|harming|ending|killing)|"
    r"\bnothing like that\b|\bcarry on\b")
_NO = re.compile(r"^(no|nope|nah|never|not at all|definitely not|of course not|not really)\b")
_AT_RISK_ANSWER = re.compile(r"^(yes|yeah|yep|yh|ye|y|aye|i am|i do|sometimes|maybe|i think so|kind of|kinda|a bit|"
                             r"not sure|unsure|i dont know|dunno|idk|possibly|probably)\b")


def says_safe(text: str, intent: str | None = None) -> bool | None:
    """True: the person says they are safe ("no", "I'm safe", "no im ok"). False: yes, or unsure (err
    towards help). None: not an answer to the question."""
    words = normalise(text)
    if _NOT_SAFE.search(words):
        return False
    if _SAFE_STATEMENT.search(words):
        return True
    if _AT_RISK_ANSWER.search(words) or intent == "affirm":
        return False
    if _NO.search(words) or intent == "deny":
        return True
    return None


def carries_on(text: str, intent: str | None = None) -> bool:
    """After the crisis help: the person says they are safe and want to go on ("I'm safe, carry on")."""
    words = normalise(text)
    return not _NOT_SAFE.search(words) and bool(_SAFE_STATEMENT.search(words) or intent == "affirm"
                                                 or re.search(r"\b(carry on|go on|continue|keep going|resume)\b", words))
