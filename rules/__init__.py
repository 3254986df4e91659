"""The pathway rules: pure Python + YAML, no Flask, no database.

    from rules import default_engine
    decision = default_engine().evaluate({"conditions": ["psychosis"], "wants_paid_work": True})
"""

from __future__ import annotations

import logging
from functools import lru_cache

from .engine import ELIGIBLE, NEEDS_INFORMATION, NOT_ELIGIBLE, Engine, InvalidFacts
from .errors import RulesError
from .loader import RULES_DIR, Ruleset, load_ruleset
from .postcodes import InvalidPostcode, Postcode, normalise_postcode, parse_postcode

__all__ = [
    "ELIGIBLE", "NEEDS_INFORMATION", "NOT_ELIGIBLE", "RULES_DIR", "Engine", "InvalidFacts",
    "InvalidPostcode", "Postcode", "Ruleset", "RulesError", "default_engine", "evaluate",
    "load_ruleset", "normalise_postcode", "parse_postcode",
]


@lru_cache(maxsize=1)
def default_engine() -> Engine:
    """The engine for the rules shipped in this package, loaded and compiled once per process.

    Loader warnings (e.g. an IPS service that takes no self-referrals) are logged once, here.
    """
    ruleset = load_ruleset(RULES_DIR)
    for warning in ruleset.warnings:
        logging.getLogger(__name__).warning("rules_warning", extra={"warning": warning})
    return Engine(ruleset)


def evaluate(facts: dict) -> dict:
    """Evaluate facts with the default rules (see Engine.evaluate)."""
    return default_engine().evaluate(facts)
