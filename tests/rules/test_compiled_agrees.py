"""The engine runs Python generated from the rules (rules.compiler). These tests check the generated code
against the rules as written: each condition against the condition objects' own three-valued ``evaluate``,
and whole explained decisions against a plain interpreter of the same rules kept here, for many generated
people, with the shipped rules and with areas whose local settings differ (ipsgrow_commissioners §11–12,
§21–22: what a commissioner may set). Whatever the YAML says, both readings must give the same answer.
"""

from __future__ import annotations

import random

import pytest

from rules import Engine, default_engine, load_ruleset
from rules.compiler import compile_condition_function
from rules.postcodes import parse_postcode
from rules.referral_route import referral_route

VARIES = "This depends on local rules that differ between areas, so we need the postcode."
VARIES_CLINICIAN = "This depends on local rules that differ between areas: the patient's postcode settles it."
POSTCODES = ["S1 2AB", "DN1 1AA", "LS1 4AP", "TR1 1AA", "NW1 2DB", "WC1H 9AA", "SW1A 1AA", "B1 1AA", "EH1 1YZ"]


def people(vocabulary, count: int, seed: int) -> list[dict]:
    """Varied people: each fact present about half the time, integers around every boundary."""
    rng = random.Random(seed)

    def value(fact):
        if fact.type == "boolean":
            return rng.random() < 0.5
        if fact.type == "integer":
            low, high = fact.minimum or 0, fact.maximum or 120
            return rng.choice([low, high, rng.randint(low, high), *[a for a in range(15, 20)], *range(64, 69)])
        if fact.type == "enum":
            return rng.choice(fact.values)
        if fact.type == "enum_list":
            return rng.sample(fact.values, rng.randint(1, min(3, len(fact.values))))
        if fact.type == "postcode":
            return rng.choice(POSTCODES)
        return rng.choice(["", "a", "Sheffield"])

    return [{name: value(fact) for name, fact in vocabulary.facts.items() if rng.random() < 0.5} for _ in range(count)]


def settings_in_play(ruleset):
    """Every set of settings a pathway can run with: its defaults and each area's."""
    for pathway in ruleset.pathways:
        yield pathway, pathway.settings
        for area in ruleset.directory.areas:
            yield pathway, {**pathway.settings, **area.settings.get(pathway.id, {})}


# -- a plain interpreter of the rules: the reading the generated code must agree with ---------------

def interpreted(engine: Engine, facts: dict) -> dict:
    ruleset, vocabulary = engine.ruleset, engine.vocabulary
    known, errors = vocabulary.clean(facts)
    assert not errors
    postcode = parse_postcode(known["postcode"]) if "postcode" in known else None
    pathways = []
    for pathway in ruleset.pathways:
        if postcode is None:
            variants = [pathway.settings, *({**pathway.settings, **a.settings.get(pathway.id, {})}
                                            for a in ruleset.directory.areas)]
        else:
            areas = ruleset.directory.areas_for(postcode)
            variants = [{**pathway.settings, **areas[0].settings.get(pathway.id, {})} if areas else pathway.settings]
        reasons, decided = [], {"met": [], "not_met": [], "unknown": []}
        missing: set[str] = set()
        for criterion in pathway.criteria:
            outcomes = []
            for settings in variants:
                if criterion.applies_if and settings[criterion.applies_if[0]] != criterion.applies_if[1]:
                    outcomes.append(("skipped", frozenset()))
                    continue
                value, why = criterion.test.evaluate(known, settings)
                outcomes.append(("met" if value is True else "not_met" if value is False else "unknown", why))
            kinds = {o for o, _ in outcomes}
            why = frozenset().union(*(w for _, w in outcomes))
            if kinds == {"skipped"}:
                continue
            if len(kinds) > 1:
                outcome, text, why = "unknown", VARIES, why | {"postcode"}
                clinician = VARIES_CLINICIAN
            else:
                outcome = kinds.pop()
                text = criterion.explain[outcome].format(**variants[0])
                clinician = criterion.explain_clinician[outcome].format(**variants[0])
            decided[outcome].append(criterion.id)
            if outcome == "unknown":
                missing |= why
            reasons.append({"criterion": criterion.id, "title": criterion.title, "outcome": outcome,
                            "explanation": text, "clinician_explanation": clinician, "source": criterion.source})
        for note in pathway.does_not_exclude:
            if note.fact in known:
                reasons.append({"criterion": f"does_not_exclude:{note.fact}", "title": "Zero exclusion", "outcome": "met",
                                "explanation": note.explanation, "clinician_explanation": note.explanation,
                                "source": note.source})
        if decided["not_met"]:
            status, deciding, missing = "not_eligible", decided["not_met"], set()
        elif decided["unknown"]:
            status, deciding = "needs_information", decided["unknown"]
        else:
            status, deciding = "eligible", decided["met"]
        services = [s.to_dict() for s in ruleset.directory.services_for(pathway.id, postcode)] if postcode else []
        pathways.append({
            "id": pathway.id, "name": pathway.name, "short_name": pathway.short_name, "status": status,
            "decided_by": deciding, "reasons": reasons,
            "missing": sorted(missing, key=lambda f: (vocabulary[f].ask_order, f)),
            "summary": pathway.summary, "access_route": pathway.access_route,
            "access_route_source": pathway.access_route_source, "length": pathway.length,
            "availability": pathway.availability, "clinician_summary": pathway.summary_clinician,
            "clinician_access_route": pathway.access_route_clinician, "services": services,
            "available_locally": bool(services) if postcode else None,
            "referral_route": referral_route(pathway, services),
        })
    counts: dict[str, int] = {}
    for p in pathways:
        if p["status"] == "needs_information":
            for fact in p["missing"]:
                counts[fact] = counts.get(fact, 0) + 1
    askable = [f for f in counts if vocabulary[f].question]
    question = None
    if askable:
        best = min(askable, key=lambda f: (-counts[f], vocabulary[f].ask_order, f))
        fact = vocabulary[best]
        question = {"fact": best, "text": fact.question, "settles": [p["id"] for p in pathways if best in p["missing"]],
                    "type": fact.type}
        if fact.values:
            question["options"] = list(fact.values)
    eligible = [p["id"] for p in pathways if p["status"] == "eligible"]
    return {
        "pathways": pathways,
        "eligible": eligible,
        "next_question": question,
        "signposting": [s.to_dict() for s in ruleset.signposts if s.when.evaluate(known, {})[0] is True],
        "facts": known,
    }


def assert_same_decisions(engine: Engine, count: int, seed: int) -> None:
    for person in people(engine.vocabulary, count, seed):
        ours = engine.evaluate(person)
        theirs = interpreted(engine, person)
        assert ours["pathways"] == theirs["pathways"], person
        assert (ours["overlap"] or {}).get("pathways", []) == (theirs["eligible"] if len(theirs["eligible"]) > 1 else [])
        assert ours["next_question"] == theirs["next_question"], person
        assert ours["signposting"] == theirs["signposting"], person
        assert ours["facts"] == theirs["facts"]
        assert ours["ruleset_hash"] == engine.ruleset.content_hash


# -- the tests ----------------------------------------------------------------------------------------

def test_every_compiled_condition_agrees_with_the_condition_objects():
    ruleset = default_engine().ruleset
    population = people(ruleset.vocabulary, 1500, seed=1)
    for pathway, settings in settings_in_play(ruleset):
        for criterion in pathway.criteria:
            compiled = compile_condition_function(criterion.test, settings)
            for person in population:
                known, _ = ruleset.vocabulary.clean(person)
                assert compiled(known) == criterion.test.evaluate(known, settings), (pathway.id, criterion.id, known)
    for signpost in ruleset.signposts:
        compiled = compile_condition_function(signpost.when, {})
        for person in population:
            known, _ = ruleset.vocabulary.clean(person)
            assert compiled(known) == signpost.when.evaluate(known, {}), (signpost.id, known)


def test_whole_decisions_agree_with_the_rules_read_plainly():
    assert_same_decisions(default_engine(), 3000, seed=2)


@pytest.mark.parametrize("leeds", [
    {"minimum_age": 16},
    {"require_gp_registration_in_area": True, "job_retention_accepted": False},
    {"job_retention_off_sick_only": True, "restrict_to_secondary_mental_health_care": True},
])
def test_decisions_agree_where_areas_set_their_own_rules(rules_copy, leeds):
    # With the postcode unknown, a criterion the areas judge differently is 'unknown' and the postcode is asked.
    rules_copy.edit("services/leeds.yaml", lambda d: d.update(settings={"ips_smi": leeds}))
    engine = Engine(load_ruleset(rules_copy.root))
    assert_same_decisions(engine, 1500, seed=3)


def test_conditions_nested_any_and_all_compile_to_the_same_three_valued_logic(rules_copy):
    # A rule written as any-of-all-of (like working age up to State Pension age) with unknowns inside.
    def nest(data):
        data["criteria"][0]["test"] = {"any": [
            {"all": [{"fact": "conditions", "op": "includes_any", "value": ["psychosis"]},
                     {"fact": "in_secondary_mental_health_care", "op": "is", "value": True}]},
            {"all": [{"fact": "age", "op": "at_most", "value": 30}, {"fact": "employment_status", "op": "is_unknown"}]},
            {"fact": "conditions", "op": "includes_any", "value": ["bipolar", "eating_disorder"]},
        ]}
    rules_copy.edit("pathways/talking_therapies_ea.yaml", nest)
    assert_same_decisions(Engine(load_ruleset(rules_copy.root)), 1500, seed=4)


def test_clean_gives_the_vocabularys_values_and_messages():
    engine = default_engine()
    rng = random.Random(5)
    odd = [None, True, False, 0, -1, 17, 66, 200, 3.5, "", "yes", "S1 2AB", "s12ab", "ZZ99 3VZ", [], ["anxiety"],
           ["anxiety", "anxiety"], ("depression",), ["nope"], [1], {"a": 1}, "anxiety", "out_of_work"]
    names = [*engine.vocabulary.facts, "not_a_fact"]
    for _ in range(3000):
        raw = {name: rng.choice(odd) for name in rng.sample(names, rng.randint(0, 6))}
        assert engine._clean(raw) == engine.vocabulary.clean(raw), raw
