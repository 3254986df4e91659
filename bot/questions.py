"""Which question to ask next: the rules engine's ``next_question``, never one already answered.

A fact the person said they are not sure about is skipped; then the next most useful fact is
chosen the same way the engine chooses (most pathways settled, then the facts' ask_order).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rules import InvalidFacts, default_engine

# The facts the eligibility form may ask, in domain.yml order (the engine decides the real order).
FORM_FACTS = (
    "wants_paid_work", "conditions", "drug_alcohol_treatment", "talking_therapies", "age", "employment_status",
    "right_to_work_uk", "other_dwp_employment_programme", "postcode", "registered_with_gp_in_area",
    "in_secondary_mental_health_care", "substance_use", "reached_state_pension_age",
)
LIVE_STATUSES = ("eligible", "needs_information")
# Criteria whose threshold is a local commissioner's setting (rules/pathways/*.yaml settings).
LOCAL_CRITERIA = {"minimum_age", "gp_registration", "job_retention_accepted"}


def known_facts(slots: dict[str, Any]) -> dict[str, Any]:
    """The slots that hold valid fact values, cleaned by the rules' vocabulary (invalid ones left out)."""
    engine = default_engine()
    facts: dict[str, Any] = {}
    for name in engine.vocabulary.facts:
        value = slots.get(name)
        if value is None or value == []:
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        try:
            facts.update(engine.clean({name: value}))
        except InvalidFacts:
            continue
    return facts


def next_fact(facts: dict[str, Any], unsure: list[str] | tuple[str, ...] = ()) -> str | None:
    """The next fact to ask about, or None when nothing more would help."""
    engine = default_engine()
    decision = engine.evaluate(facts)
    question = decision["next_question"]
    if question and question["fact"] not in unsure and question["fact"] in FORM_FACTS:
        return question["fact"]
    counts = Counter(
        fact for p in decision["pathways"] if p["status"] == "needs_information"
        for fact in p["missing"] if fact not in unsure and fact not in facts and fact in FORM_FACTS
    )
    if counts:
        vocabulary = engine.vocabulary
        return min(counts, key=lambda f: (-counts[f], vocabulary[f].ask_order, f))
    # Nothing more decides eligibility; the postcode still decides which local service can help, and
    # a local setting (the minimum age is the commissioner's) may decide it: ask before saying no.
    if "postcode" not in facts and "postcode" not in unsure and any(
            p["status"] in LIVE_STATUSES or set(p.get("decided_by") or []) & LOCAL_CRITERIA for p in decision["pathways"]):
        return "postcode"
    return None
