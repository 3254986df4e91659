"""Evaluate facts against the compiled ruleset: an explained, three-valued decision per pathway.

A pathway is ``not_eligible`` only when a known fact rules the person out, ``needs_information``
when the answer turns on facts we do not know yet (named in ``missing``), else ``eligible``.
Overlaps are shown, never resolved: the person chooses.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .expressions import compile_condition
from .loader import Criterion, Pathway, Ruleset
from .postcodes import Postcode, parse_postcode

MET, NOT_MET, UNKNOWN, SKIPPED = "met", "not_met", "unknown", "skipped"
ELIGIBLE, NOT_ELIGIBLE, NEEDS_INFORMATION = "eligible", "not_eligible", "needs_information"
_VARIES = "This depends on local rules that differ between areas, so we need the postcode."


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
        self._implications = [
            (compile_condition(i.when, self.vocabulary, {}, "facts.yaml", "implications"), i)
            for i in self.vocabulary.implications
        ]
        directory = ruleset.directory
        self._variants_anywhere = {
            p.id: _distinct([p.settings] + [{**p.settings, **a.settings.get(p.id, {})} for a in directory.areas])
            for p in ruleset.pathways
        }

    # -- public -------------------------------------------------------------------------------

    def clean(self, facts: dict[str, Any]) -> dict[str, Any]:
        """Check and normalise raw facts (e.g. from the bot); raise InvalidFacts naming each problem."""
        clean, errors = self.vocabulary.clean(facts)
        if errors:
            raise InvalidFacts(errors)
        return clean

    def evaluate(self, facts: dict[str, Any]) -> dict[str, Any]:
        """Return the explained decision (CONTRACT.md shape) for a dict of facts."""
        given = self.clean(facts)
        known, implied = self._apply_implications(given)
        postcode = parse_postcode(known["postcode"]) if "postcode" in known else None
        pathways = [self._evaluate_pathway(p, known, postcode) for p in self.ruleset.pathways]
        eligible = [p["id"] for p in pathways if p["status"] == ELIGIBLE]
        return {
            "ruleset_version": self.ruleset.version,
            "ruleset_hash": self.ruleset.content_hash,
            "pathways": pathways,
            "overlap": _overlap(eligible, pathways),
            "next_question": self._next_question(pathways),
            "signposting": [s.to_dict() for s in self.ruleset.signposts if s.when.evaluate(known, {})[0] is True],
            "facts": given,
            "implied_facts": implied,
        }

    def status_of(self, facts: dict[str, Any], pathway_id: str) -> str:
        """The status of one pathway (a convenience for callers that need only that)."""
        decision = self.evaluate(facts)
        return next(p["status"] for p in decision["pathways"] if p["id"] == pathway_id)

    # -- internals ----------------------------------------------------------------------------

    def _apply_implications(self, given: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        known = dict(given)
        implied = []
        for condition, implication in self._implications:
            if condition.evaluate(given, {})[0] is True:
                for fact, value in implication.then.items():
                    if fact not in known:
                        known[fact] = value
                        implied.append({"fact": fact, "value": value, "why": implication.why})
        return known, implied

    def _variants(self, pathway: Pathway, postcode: Postcode | None) -> list[dict[str, Any]]:
        if postcode is None:
            return self._variants_anywhere[pathway.id]
        areas = self.ruleset.directory.areas_for(postcode)
        if not areas:
            return [pathway.settings]
        return [{**pathway.settings, **areas[0].settings.get(pathway.id, {})}]

    def _evaluate_pathway(self, pathway: Pathway, facts: dict[str, Any], postcode: Postcode | None) -> dict:
        variants = self._variants(pathway, postcode)
        reasons = []
        decided_by = {MET: [], NOT_MET: [], UNKNOWN: []}
        missing: set[str] = set()
        for criterion in pathway.criteria:
            outcome, criterion_missing, explanation, varies = _judge(criterion, facts, variants)
            if outcome == SKIPPED:
                continue
            if varies:
                criterion_missing = criterion_missing | {"postcode"}
            decided_by[outcome].append(criterion.id)
            if outcome == UNKNOWN:
                missing |= criterion_missing
            reasons.append(
                {
                    "criterion": criterion.id,
                    "title": criterion.title,
                    "outcome": outcome,
                    "explanation": explanation,
                    "source": criterion.source,
                }
            )
        for note in pathway.does_not_exclude:
            if note.fact in facts:
                reasons.append(
                    {
                        "criterion": f"does_not_exclude:{note.fact}",
                        "title": "Zero exclusion",
                        "outcome": MET,
                        "explanation": note.explanation,
                        "source": note.source,
                    }
                )
        if decided_by[NOT_MET]:
            status, deciding, missing = NOT_ELIGIBLE, decided_by[NOT_MET], set()
        elif decided_by[UNKNOWN]:
            status, deciding = NEEDS_INFORMATION, decided_by[UNKNOWN]
        else:
            status, deciding = ELIGIBLE, decided_by[MET]
        services, available = self._local_services(pathway, postcode)
        return {
            "id": pathway.id,
            "name": pathway.name,
            "short_name": pathway.short_name,
            "status": status,
            "decided_by": deciding,
            "reasons": reasons,
            "missing": self._in_ask_order(missing),
            "summary": pathway.summary,
            "access_route": pathway.access_route,
            "access_route_source": pathway.access_route_source,
            "length": pathway.length,
            "availability": pathway.availability,
            "services": services,
            "available_locally": available,
        }

    def _local_services(self, pathway: Pathway, postcode: Postcode | None) -> tuple[list[dict], bool | None]:
        if postcode is None:
            return [], None
        services = [s.to_dict() for s in self.ruleset.directory.services_for(pathway.id, postcode)]
        return services, bool(services)

    def _in_ask_order(self, facts: set[str]) -> list[str]:
        return sorted(facts, key=lambda name: (self.vocabulary[name].ask_order, name))

    def _next_question(self, pathways: list[dict]) -> dict[str, Any] | None:
        counts = Counter(fact for p in pathways if p["status"] == NEEDS_INFORMATION for fact in p["missing"])
        askable = [f for f in counts if self.vocabulary[f].question]
        if not askable:
            return None
        best = min(askable, key=lambda f: (-counts[f], self.vocabulary[f].ask_order, f))
        fact = self.vocabulary[best]
        settles = [p["id"] for p in pathways if best in p["missing"]]
        question = {"fact": best, "text": fact.question, "settles": settles, "type": fact.type}
        if fact.values:
            question["options"] = list(fact.values)
        return question


def _each(criterion: Criterion, facts: dict[str, Any], variants: list[dict[str, Any]]):
    for settings in variants:
        if criterion.applies_if is not None:
            name, expected = criterion.applies_if
            if settings[name] != expected:
                yield SKIPPED, frozenset(), settings
                continue
        value, missing = criterion.test.evaluate(facts, settings)
        outcome = MET if value is True else NOT_MET if value is False else UNKNOWN
        yield outcome, missing, settings


def _judge(criterion: Criterion, facts: dict[str, Any], variants: list[dict[str, Any]]):
    results = list(_each(criterion, facts, variants))
    outcomes = {outcome for outcome, *_ in results}
    if len(outcomes) == 1:
        outcome, missing, settings = results[0]
        text = "" if outcome == SKIPPED else criterion.explain[outcome].format(**settings)
        return outcome, missing, text, False
    missing = frozenset().union(*(m for _, m, _ in results))
    return UNKNOWN, missing, _VARIES, True


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
