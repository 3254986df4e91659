"""Evaluate facts against the compiled ruleset: an explained, three-valued decision per pathway.

A pathway is ``not_eligible`` only when a known fact rules the person out, ``needs_information``
when the answer turns on facts we do not know yet (named in ``missing``), else ``eligible``.
Overlaps are shown, never resolved: the person chooses.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .loader import Criterion, Pathway, Ruleset
from .postcodes import Postcode, parse_postcode
from .referral_route import referral_route

MET, NOT_MET, UNKNOWN, SKIPPED, VARIES = "met", "not_met", "unknown", "skipped", "varies"
ELIGIBLE, NOT_ELIGIBLE, NEEDS_INFORMATION = "eligible", "not_eligible", "needs_information"
_CACHE_LIMIT = 50_000
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
        directory = ruleset.directory
        # The local settings in play for a pathway, by where the person is: an area id, "" (a postcode
        # outside every area in the directory) or "*" (postcode unknown: every area's settings).
        self._settings_in_play: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for pathway in ruleset.pathways:
            by_area = {a.id: {**pathway.settings, **a.settings.get(pathway.id, {})} for a in directory.areas}
            self._settings_in_play[(pathway.id, "")] = [pathway.settings]
            self._settings_in_play[(pathway.id, "*")] = _distinct([pathway.settings, *by_area.values()])
            for area_id, settings in by_area.items():
                self._settings_in_play[(pathway.id, area_id)] = [settings]
        # Criteria that apply where exactly one set of settings is in play (local settings switch some off).
        self._active = {
            key: [c for c in pathway.criteria if c.applies_if is None or variants[0][c.applies_if[0]] == c.applies_if[1]]
            for pathway in ruleset.pathways
            for key, variants in self._settings_in_play.items()
            if key[0] == pathway.id and len(variants) == 1
        }
        # Explained decisions depend only on the criterion outcomes, the zero-exclusion notes that apply and
        # where the person is, so each combination is assembled once and reused (read-only).
        self._explained: dict[tuple, dict] = {}
        self._services: dict[tuple[str, str], list[dict]] = {}
        self._signpost_facts = sorted(frozenset().union(*(s.when.facts for s in ruleset.signposts)))
        self._signposts: dict[tuple, list[dict]] = {}

    # -- public -------------------------------------------------------------------------------

    def clean(self, facts: dict[str, Any]) -> dict[str, Any]:
        """Check and normalise raw facts (e.g. from the bot); raise InvalidFacts naming each problem."""
        clean, errors = self.vocabulary.clean(facts)
        if errors:
            raise InvalidFacts(errors)
        return clean

    def evaluate(self, facts: dict[str, Any]) -> dict[str, Any]:
        """Return the explained decision (CONTRACT.md shape) for a dict of facts."""
        known = self.clean(facts)
        postcode = parse_postcode(known["postcode"]) if "postcode" in known else None
        where = self._where(postcode)
        pathways = [self._evaluate_pathway(p, known, postcode, where) for p in self.ruleset.pathways]
        eligible = [p["id"] for p in pathways if p["status"] == ELIGIBLE]
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

    def _signposting(self, facts: dict[str, Any]) -> list[dict[str, Any]]:
        """Signposts whose condition is true; computed once per combination of the facts they read."""
        key = tuple(facts.get(name) for name in self._signpost_facts)
        shown = self._signposts.get(key)
        if shown is None:
            if len(self._signposts) > _CACHE_LIMIT:
                self._signposts.clear()
            shown = self._signposts[key] = [
                s.to_dict() for s in self.ruleset.signposts if s.when.evaluate(facts, {})[0] is True
            ]
        return [dict(s) for s in shown]

    def _where(self, postcode: Postcode | None) -> str:
        if postcode is None:
            return "*"
        areas = self.ruleset.directory.areas_for(postcode)
        return areas[0].id if areas else ""

    def _evaluate_pathway(self, pathway: Pathway, facts: dict[str, Any], postcode: Postcode | None, where: str) -> dict:
        variants = self._settings_in_play[(pathway.id, where)]
        if len(variants) == 1:
            settings = variants[0]
            judged = tuple(_outcome(c.test.evaluate(facts, settings)) for c in self._active[(pathway.id, where)])
        else:
            judged = tuple(_judge_across(c, facts, variants) for c in pathway.criteria)
        notes = tuple(note.fact in facts for note in pathway.does_not_exclude)
        key = (pathway.id, where, judged, notes)
        explained = self._explained.get(key)
        if explained is None:
            if len(self._explained) > _CACHE_LIMIT:
                self._explained.clear()
            explained = self._explained[key] = self._explain(pathway, where, judged, notes)
        services, available = self._local_services(pathway, postcode)
        return {**explained, "services": services, "available_locally": available,
                "referral_route": referral_route(pathway, services)}

    def _explain(self, pathway: Pathway, where: str, judged: tuple, notes: tuple[bool, ...]) -> dict:
        variants = self._settings_in_play[(pathway.id, where)]
        criteria = self._active[(pathway.id, where)] if len(variants) == 1 else pathway.criteria
        reasons = []
        decided_by: dict[str, list[str]] = {MET: [], NOT_MET: [], UNKNOWN: []}
        missing: set[str] = set()
        for criterion, (outcome, criterion_missing) in zip(criteria, judged, strict=True):
            if outcome == SKIPPED:
                continue
            if outcome == VARIES:
                outcome, explanation = UNKNOWN, _VARIES
            else:
                explanation = criterion.explain[outcome].format(**variants[0])
            decided_by[outcome].append(criterion.id)
            if outcome == UNKNOWN:
                missing |= criterion_missing
            reasons.append({"criterion": criterion.id, "title": criterion.title, "outcome": outcome,
                            "explanation": explanation, "source": criterion.source})
        for note, given in zip(pathway.does_not_exclude, notes, strict=True):
            if given:
                reasons.append({"criterion": f"does_not_exclude:{note.fact}", "title": "Zero exclusion",
                                "outcome": MET, "explanation": note.explanation, "source": note.source})
        if decided_by[NOT_MET]:
            status, deciding, missing = NOT_ELIGIBLE, decided_by[NOT_MET], set()
        elif decided_by[UNKNOWN]:
            status, deciding = NEEDS_INFORMATION, decided_by[UNKNOWN]
        else:
            status, deciding = ELIGIBLE, decided_by[MET]
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
        }

    def _local_services(self, pathway: Pathway, postcode: Postcode | None) -> tuple[list[dict], bool | None]:
        if postcode is None:
            return [], None
        key = (pathway.id, postcode.district)
        found = self._services.get(key)
        if found is None:
            found = [s.to_dict() for s in self.ruleset.directory.services_for(pathway.id, postcode)]
            if len(self._services) > _CACHE_LIMIT:
                self._services.clear()
            self._services[key] = found
        return [dict(s) for s in found], bool(found)

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


def _outcome(result: tuple[bool | None, frozenset[str]]) -> tuple[str, frozenset[str]]:
    value, missing = result
    return (MET, missing) if value is True else (NOT_MET, missing) if value is False else (UNKNOWN, missing)


def _judge_across(criterion: Criterion, facts: dict[str, Any], variants: list[dict[str, Any]]):
    """A criterion's outcome where several sets of local settings are in play (postcode unknown).

    If they all agree, that outcome stands; if not, it is VARIES (shown as unknown) and the postcode
    is one of the facts that would settle it.
    """
    results = []
    for settings in variants:
        if criterion.applies_if is not None and settings[criterion.applies_if[0]] != criterion.applies_if[1]:
            results.append((SKIPPED, frozenset()))
        else:
            results.append(_outcome(criterion.test.evaluate(facts, settings)))
    first = results[0][0]
    if all(outcome == first for outcome, _ in results):
        return first, frozenset().union(*(m for _, m in results))
    return VARIES, frozenset().union(*(m for _, m in results)) | {"postcode"}


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
