"""Evaluate facts against the compiled ruleset: an explained, three-valued decision per pathway.

A pathway is ``not_eligible`` only when a known fact rules the person out, ``needs_information``
when the answer turns on facts we do not know yet (named in ``missing``), else ``eligible``.
Overlaps are shown, never resolved: the person chooses.

The criteria are turned into Python functions once, when the engine is built (rules.compiler): a
decision runs straight-line code with the settings and explanations already in place. Only lookups
that depend on nothing but a postcode district (which area, which local services) are remembered.
"""

from __future__ import annotations

from typing import Any

from .compiler import (
    ELIGIBLE,
    MET,
    NEEDS_INFORMATION,
    NOT_ELIGIBLE,
    NOT_MET,
    SKIPPED,
    UNKNOWN,
    compile_decisions,
    compile_signposting,
)
from .loader import Ruleset
from .postcodes import Postcode, parse_postcode
from .referral_route import referral_route
from .vocabulary import Fact, Vocabulary

VARIES = "varies"
_CACHE_LIMIT = 50_000
__all__ = ["ELIGIBLE", "MET", "NEEDS_INFORMATION", "NOT_ELIGIBLE", "NOT_MET", "SKIPPED", "UNKNOWN", "VARIES",
           "Engine", "InvalidFacts"]


class InvalidFacts(ValueError):
    """Facts that are not in the vocabulary or have the wrong type or value."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("Some facts are not valid: " + ", ".join(sorted(errors)))


class Engine:
    """Evaluates facts with a loaded ruleset. Build once; ``evaluate`` is safe to call concurrently."""

    def __init__(self, ruleset: Ruleset):
        self.ruleset = ruleset
        self.vocabulary = ruleset.vocabulary
        directory = ruleset.directory
        # The local settings in play for each pathway, by where the person is: an area id, "" (a postcode
        # outside every area in the directory) or "*" (postcode unknown: every area's settings).
        places: dict[str, dict[str, list[dict[str, Any]]]] = {"": {}, "*": {}, **{a.id: {} for a in directory.areas}}
        for pathway in ruleset.pathways:
            by_area = {a.id: {**pathway.settings, **a.settings.get(pathway.id, {})} for a in directory.areas}
            places[""][pathway.id] = [pathway.settings]
            places["*"][pathway.id] = _distinct([pathway.settings, *by_area.values()])
            for area_id, settings in by_area.items():
                places[area_id][pathway.id] = [settings]
        self._decide = compile_decisions(ruleset, places)
        self._signposting = compile_signposting(ruleset)
        self._clean = _Cleaner(self.vocabulary)
        askable = sorted((f for f in self.vocabulary.facts.values() if f.question), key=lambda f: (f.ask_order, f.name))
        self._questions = {fact.name: _question_parts(fact) for fact in askable}
        self._question_rank = {fact.name: position for position, fact in enumerate(askable)}
        # Per postcode district: where it is (area id or "") and, per pathway, its local services and route.
        self._local: dict[str, tuple[str, tuple]] = {}
        self._no_postcode = tuple(([], None, referral_route(p, [])) for p in ruleset.pathways)

    # -- public -------------------------------------------------------------------------------

    def clean(self, facts: dict[str, Any]) -> dict[str, Any]:
        """Check and normalise raw facts (e.g. from the bot); raise InvalidFacts naming each problem."""
        clean, errors = self._clean(facts)
        if errors:
            raise InvalidFacts(errors)
        return clean

    def evaluate(self, facts: dict[str, Any]) -> dict[str, Any]:
        """Return the explained decision (CONTRACT.md shape) for a dict of facts."""
        known = self.clean(facts)
        postcode = known.get("postcode")
        if postcode is None:
            where, local = "*", self._no_postcode
        else:
            where, local = self._local_to(parse_postcode(postcode))
        pathways = self._decide[where](known)
        eligible = []
        for decision, (services, available, route) in zip(pathways, local, strict=True):
            decision["services"] = [dict(s) for s in services] if services else []
            decision["available_locally"] = available
            decision["referral_route"] = None if route is None else dict(route)
            if decision["status"] == ELIGIBLE:
                eligible.append(decision["id"])
        return {
            "ruleset_version": self.ruleset.version,
            "ruleset_hash": self.ruleset.content_hash,
            "pathways": pathways,
            "overlap": _overlap(eligible, pathways),
            "next_question": self._next_question(pathways),
            "signposting": self._signposting(known),
            "facts": known,
        }

    def status_of(self, facts: dict[str, Any], pathway_id: str) -> str:
        """The status of one pathway (a convenience for callers that need only that)."""
        decision = self.evaluate(facts)
        return next(p["status"] for p in decision["pathways"] if p["id"] == pathway_id)

    # -- internals ----------------------------------------------------------------------------

    def _local_to(self, postcode: Postcode) -> tuple[str, tuple]:
        """(where, per pathway (services, available_locally, referral_route)) for a postcode's district."""
        found = self._local.get(postcode.district)
        if found is None:
            directory = self.ruleset.directory
            areas = directory.areas_for(postcode)
            per_pathway = []
            for pathway in self.ruleset.pathways:
                services = [s.to_dict() for s in directory.services_for(pathway.id, postcode)]
                per_pathway.append((services, bool(services), referral_route(pathway, services)))
            if len(self._local) > _CACHE_LIMIT:
                self._local.clear()
            found = self._local[postcode.district] = (areas[0].id if areas else "", tuple(per_pathway))
        return found

    def _next_question(self, pathways: list[dict]) -> dict[str, Any] | None:
        """The question that settles the most undecided pathways (ties: the vocabulary's ask order, then name)."""
        counts: dict[str, int] = {}
        for p in pathways:
            if p["status"] == NEEDS_INFORMATION:
                for fact in p["missing"]:
                    counts[fact] = counts.get(fact, 0) + 1
        rank, best, best_score = self._question_rank, None, -1
        for fact, count in counts.items():
            position = rank.get(fact)
            if position is not None:
                score = count * len(rank) - position  # more pathways settled first, then earlier in ask order
                if score > best_score:
                    best, best_score = fact, score
        if best is None:
            return None
        text, kind, options = self._questions[best]
        question = {"fact": best, "text": text, "settles": [p["id"] for p in pathways if best in p["missing"]],
                    "type": kind}
        if options:
            question["options"] = list(options)
        return question


def _question_parts(fact: Fact) -> tuple[str, str, tuple[str, ...]]:
    return fact.question, fact.type, tuple(fact.values)


class _Cleaner:
    """Vocabulary.clean with the common cases checked inline; anything else goes to the fact's own check,
    so the clean values and the error messages are exactly the vocabulary's."""

    BOOLEAN, INTEGER, ENUM, ENUM_LIST, OTHER = range(5)

    def __init__(self, vocabulary: Vocabulary):
        self.facts = vocabulary.facts
        self.fast: dict[str, tuple] = {}
        for name, fact in vocabulary.facts.items():
            if fact.type == "boolean":
                self.fast[name] = (self.BOOLEAN, None, None)
            elif fact.type == "integer":
                low = fact.minimum if fact.minimum is not None else float("-inf")
                high = fact.maximum if fact.maximum is not None else float("inf")
                self.fast[name] = (self.INTEGER, low, high)
            elif fact.type in ("enum", "enum_list"):
                self.fast[name] = (self.ENUM if fact.type == "enum" else self.ENUM_LIST, frozenset(fact.values), None)
            else:
                self.fast[name] = (self.OTHER, None, None)

    def __call__(self, raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
        clean: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        fast = self.fast
        for name, value in raw.items():
            spec = fast.get(name)
            if spec is None:
                errors[name] = ["Unknown fact."]
                continue
            if value is None:
                continue
            kind, a, b = spec
            if kind == 0:  # BOOLEAN
                if value is True or value is False:
                    clean[name] = value
                    continue
            elif kind == 1:  # INTEGER
                if value.__class__ is int and a <= value <= b:
                    clean[name] = value
                    continue
            elif kind == 2:  # ENUM
                if value.__class__ is str and value in a:
                    clean[name] = value
                    continue
            elif kind == 3:  # ENUM_LIST
                if (value.__class__ is list or value.__class__ is tuple) and all(
                        v.__class__ is str and v in a for v in value):
                    clean[name] = tuple(dict.fromkeys(value))
                    continue
            try:
                clean[name] = self.facts[name].check(value)
            except ValueError as error:
                errors[name] = [str(error)]
        return clean, errors


def _overlap(eligible: list[str], pathways: list[dict]) -> dict[str, Any] | None:
    if len(eligible) < 2:
        return None
    names = [p["short_name"] for p in pathways if p["id"] in eligible]
    return {
        "pathways": eligible,
        "explanation": (
            "More than one service could help: "
            + ", ".join(names[:-1])
            + f" and {names[-1]}. They work in different ways. The person chooses which to use."
        ),
    }


def _distinct(variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen, result = set(), []
    for variant in variants:
        key = tuple(sorted(variant.items()))
        if key not in seen:
            seen.add(key)
            result.append(variant)
    return result
