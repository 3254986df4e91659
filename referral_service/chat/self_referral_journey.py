"""The no-JS self-referral as a journey of pages: which question comes next, what the person has said.

One question per page (NHS service manual, 'Question pages'). The order is fixed and readable; a question
is skipped when its answer would decide nothing (no pathway still turns on it), so someone who does not
want help with work is not asked their age. State lives in the signed Flask session, never in the URL.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from rules import NEEDS_INFORMATION, default_engine
from rules.vocabulary import Fact

SESSION_KEY = "self_referral"
OWN_WORDS = "conditions-in-your-own-words"
ANYTHING_ELSE = "anything-else"
FREE_TEXT_MAX = 500  # characters; the session is a cookie, and a referral summary is read by a person

# The order questions are asked in; each is asked only while some pathway still turns on it.
FACT_ORDER = (
    "wants_paid_work", "conditions", "drug_alcohol_treatment", "talking_therapies", "age",
    "reached_state_pension_age", "employment_status", "right_to_work_uk", "other_dwp_employment_programme",
    "registered_with_gp_in_area", "in_secondary_mental_health_care", "postcode",
)
# Free-text pages (optional): the person's own words, kept beside the facts for the service to read.
FREE_TEXT_PAGES = {
    OWN_WORDS: {
        "title": "In your own words, what health conditions do you live with? (optional)",
        "hint": "For example, 'back pain and anxiety'. The service will read this. Leave it empty if you prefer.",
        "summary_label": "In your own words",
        "after": "conditions",
    },
    ANYTHING_ELSE: {
        "title": "Is there anything else you want to tell the service? (optional)",
        "hint": "For example, the kind of work you want, or the best time to call you.",
        "summary_label": "Anything else",
        "after": None,
    },
}


def slug(fact: str) -> str:
    """The page name of a fact's question: ``right_to_work_uk`` -> ``right-to-work-uk``."""
    return fact.replace("_", "-")


def fact_of(page: str) -> str | None:
    name = page.replace("-", "_")
    return name if name in FACT_ORDER else None


@dataclass
class Journey:
    """What the person has told us so far (kept in the session as a plain dict)."""

    state: dict[str, Any]

    @classmethod
    def load(cls, session) -> Journey:
        state = session.get(SESSION_KEY)
        if not isinstance(state, dict) or "id" not in state:
            state = new_state()
        return cls(state)

    def save(self, session) -> None:
        session[SESSION_KEY] = self.state
        session.modified = True

    # -- answers ---------------------------------------------------------------------------------

    @property
    def facts(self) -> dict[str, Any]:
        return dict(self.state["facts"])

    @property
    def unsure(self) -> list[str]:
        return list(self.state["unsure"])

    def answered(self, page: str) -> bool:
        fact = fact_of(page)
        if fact:
            return fact in self.state["facts"] or fact in self.state["unsure"]
        return page in self.state["words"]

    def answer(self, page: str, value: Any) -> None:
        """Record an answer (``None`` for "not sure"), and remember the order pages were answered in."""
        fact = fact_of(page)
        if fact:
            self.state["facts"].pop(fact, None)
            self.state["unsure"] = [f for f in self.state["unsure"] if f != fact]
            if value is None:
                self.state["unsure"].append(fact)
            else:
                self.state["facts"][fact] = value
            if fact == "age" and value != 66:
                self._forget("reached_state_pension_age")  # asked only at 66
        else:
            self.state["words"][page] = value or ""
        self.state["order"] = [p for p in self.state["order"] if p != page] + [page]
        self.state.pop("choice", None)  # a changed answer may change what fits

    def _forget(self, fact: str) -> None:
        self.state["facts"].pop(fact, None)
        self.state["unsure"] = [f for f in self.state["unsure"] if f != fact]
        self.state["order"] = [p for p in self.state["order"] if p != slug(fact)]

    def value(self, page: str) -> Any:
        fact = fact_of(page)
        return self.state["facts"].get(fact) if fact else self.state["words"].get(page)

    # -- what to ask next -------------------------------------------------------------------------

    def useful(self, fact: str) -> bool:
        """Whether a pathway still turns on this fact (or, for the postcode, whether any pathway is still open)."""
        decision = default_engine().evaluate(self.facts)
        if fact == "postcode":
            return any(p["status"] != "not_eligible" for p in decision["pathways"])
        if fact == "reached_state_pension_age":
            return self.state["facts"].get("age") == 66
        return any(p["status"] == NEEDS_INFORMATION and fact in p["missing"] for p in decision["pathways"])

    def pages(self) -> list[str]:
        """Every page the person will see, in order, given what they have said so far."""
        pages = []
        for fact in FACT_ORDER:
            if self.answered(slug(fact)) or self.useful(fact):
                pages.append(slug(fact))
            if fact == "conditions" and "conditions" in self.state["facts"] \
                    and self.state["facts"]["conditions"] != ["none"]:
                pages.append(OWN_WORDS)
        pages.append(ANYTHING_ELSE)
        return pages

    def next_page(self) -> str | None:
        """The first page not answered yet, or None when it is time for "Check your answers"."""
        return next((p for p in self.pages() if not self.answered(p)), None)

    def previous_page(self, page: str) -> str | None:
        """The page before this one on the person's way through (None: the start page)."""
        pages = self.pages()
        if page in pages:
            index = pages.index(page)
            return pages[index - 1] if index > 0 else None
        return pages[-1] if pages else None


def new_state() -> dict[str, Any]:
    """A fresh journey, with a random id that makes the final submit idempotent."""
    return {"id": secrets.token_hex(16), "facts": {}, "unsure": [], "words": {}, "order": []}


def question_of(fact: Fact) -> dict[str, Any]:
    """The wording of a fact's question page, all from rules/facts.yaml."""
    hint = " ".join(t for t in (fact.help, fact.hint) if t) or None
    return {"title": fact.question, "hint": hint, "choices": fact.choices(), "unsure": fact.unsure,
            "summary_label": fact.summary_label or fact.label}
