"""Invariants of the rules, checked on many generated people (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rules import default_engine

ENGINE = default_engine()
VOCABULARY = ENGINE.vocabulary
POSTCODES = ["S1 2AB", "B1 1AA", "TR1 1AA", "NW1 2DB", "LS1 4AP", "DN1 1AA", "SW1A 1AA", "EH1 1YZ", "CV1 2AB"]


def _value_strategy(fact):
    if fact.type == "boolean":
        return st.booleans()
    if fact.type == "integer":
        return st.integers(fact.minimum or 0, fact.maximum or 120)
    if fact.type == "enum":
        return st.sampled_from(fact.values)
    if fact.type == "enum_list":
        return st.lists(st.sampled_from(fact.values), min_size=1, max_size=4, unique=True)
    if fact.type == "postcode":
        return st.sampled_from(POSTCODES)
    return st.text(max_size=10)


FACT_STRATEGIES = {name: _value_strategy(fact) for name, fact in VOCABULARY.facts.items()}


@st.composite
def facts(draw, names=None):
    names = names or sorted(FACT_STRATEGIES)
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    return {name: draw(FACT_STRATEGIES[name]) for name in chosen}


def statuses(decision):
    return {p["id"]: p["status"] for p in decision["pathways"]}


SMI = ENGINE.ruleset.pathway("ips_smi")
NON_EXCLUDING = sorted(SMI.never_excludes)


@settings(max_examples=400, deadline=None)
@given(base=facts(), fact=st.sampled_from(NON_EXCLUDING), data=st.data())
def test_zero_exclusion_changing_a_non_excluding_fact_never_changes_ips_smi(base, fact, data):
    before = statuses(ENGINE.evaluate({k: v for k, v in base.items() if k != fact}))["ips_smi"]
    value = data.draw(FACT_STRATEGIES[fact])
    after = statuses(ENGINE.evaluate({**base, fact: value}))["ips_smi"]
    assert before == after


@settings(max_examples=400, deadline=None)
@given(base=facts(), extra=facts())
def test_adding_a_fact_never_changes_a_status_already_decided(base, extra):
    before = statuses(ENGINE.evaluate(base))
    after = statuses(ENGINE.evaluate({**extra, **base}))  # base's own values win: only new facts are added
    for pathway, status in before.items():
        if status != "needs_information":
            assert after[pathway] == status, pathway


@settings(max_examples=300, deadline=None)
@given(person=facts())
def test_needs_information_always_names_facts_we_do_not_have(person):
    decision = ENGINE.evaluate(person)
    for pathway in decision["pathways"]:
        if pathway["status"] == "needs_information":
            assert pathway["missing"], pathway["id"]
            assert not set(pathway["missing"]) & set(person), pathway["id"]
            assert decision["next_question"] is not None
        else:
            assert pathway["missing"] == []


@settings(max_examples=300, deadline=None)
@given(person=facts())
def test_not_eligible_is_always_explained_by_a_criterion_not_met(person):
    for pathway in ENGINE.evaluate(person)["pathways"]:
        not_met = [r for r in pathway["reasons"] if r["outcome"] == "not_met"]
        if pathway["status"] == "not_eligible":
            assert not_met and pathway["decided_by"] == [r["criterion"] for r in not_met]
            assert all(r["explanation"] and r["source"] for r in not_met)
        else:
            assert not not_met


@settings(max_examples=200, deadline=None)
@given(person=facts(), postcode=st.sampled_from(POSTCODES))
def test_where_a_person_lives_does_not_change_eligibility_under_national_defaults(person, postcode):
    without = {k: v for k, v in person.items() if k != "postcode"}
    assert statuses(ENGINE.evaluate(without)) == statuses(ENGINE.evaluate({**without, "postcode": postcode}))


@settings(max_examples=200, deadline=None)
@given(person=facts())
def test_the_next_question_is_never_one_already_answered(person):
    question = ENGINE.evaluate(person)["next_question"]
    if question is not None:
        assert question["fact"] not in person
        assert question["text"]
