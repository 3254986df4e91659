"""Each question, answer label, hint and help text is written once, in rules/facts.yaml (issue 9 item 6).

The web chat (bot/domain.yml), the no-JS self-referral form and the clinician page (/check) take their
wording from there. These tests read the files as text (no Flask) and fail when a channel drifts:
- a chat question is not the fact's question (optionally followed by its help and its chat hint), or a
  chat button is not the fact's own label for the value it sends;
- a form or /check template writes a fact's question, label or answer labels out by hand instead of
  reading them from the vocabulary.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from rules import default_engine

REPO = Path(__file__).resolve().parents[2]
VOCABULARY = default_engine().vocabulary
ASKED = {name: fact for name, fact in VOCABULARY.facts.items() if fact.question}
FORM_TEMPLATES = sorted((REPO / "referral_service" / "chat" / "templates" / "chat").glob("self_referral*.html"))
CHECK_TEMPLATE = REPO / "referral_service" / "templates" / "check.html"
MACRO_CALL = re.compile(r"fields\.(text_input|radios|checkboxes)\(\s*\"(\w+)\"\s*,\s*(\"[^\"]*\"|'[^']*')")


def _domain_responses() -> dict:
    return yaml.safe_load((REPO / "bot" / "domain.yml").read_text(encoding="utf-8"))["responses"]


def _allowed_texts(fact) -> set[str]:
    """The question, optionally followed by the help, then optionally by how to answer in the chat."""
    heads = {fact.question} | ({f"{fact.question} {fact.help}"} if fact.help else set())
    tails = {t for t in (fact.chat_hint or fact.hint,) if t}
    return heads | {f"{head} {tail}" for head in heads for tail in tails}


def _payload_value(fact, payload: str):
    """What a button sends for the fact: a value, True/False, or "unsure" for /dont_know."""
    if payload.strip() == "/dont_know":
        return "unsure"
    match = re.match(r"^/\w+(\{.*\})$", payload.strip())
    assert match, f"unexpected payload {payload!r}"
    value = json.loads(match.group(1))[fact.name]
    return value[0] if isinstance(value, list) and len(value) == 1 else value


@pytest.mark.parametrize("name", sorted(ASKED))
def test_the_chat_asks_each_fact_in_the_words_of_facts_yaml(name):
    fact = ASKED[name]
    response = _domain_responses().get(f"utter_ask_{name}")
    if response is None:
        pytest.skip(f"the chat does not ask {name}")  # e.g. a fact only the form asks
    text = response[0]["text"]
    assert text in _allowed_texts(fact), (
        f"bot/domain.yml utter_ask_{name} says {text!r}; rules/facts.yaml says {fact.question!r} "
        f"(help {fact.help!r}, chat hint {fact.chat_hint or fact.hint!r}). Change the wording in facts.yaml and "
        "copy it to domain.yml, or the channels drift."
    )
    for button in response[0].get("buttons") or []:
        value = _payload_value(fact, button["payload"])
        expected = fact.unsure if value == "unsure" else fact.answer_label(value)
        assert button["title"] == expected, f"utter_ask_{name}: button {button['title']!r} should read {expected!r}"


def _literal_copies(text: str) -> list[str]:
    """Any fact wording that a template writes out by hand (a question, a label, or an answer label)."""
    found = []
    for fact in ASKED.values():
        for words in (fact.question, fact.clinician_question, fact.help, fact.chat_hint):
            if words and words in text:
                found.append(words)
    return found


@pytest.mark.parametrize("template", [*FORM_TEMPLATES, CHECK_TEMPLATE], ids=lambda p: p.name)
def test_the_form_and_check_templates_take_questions_and_labels_from_the_vocabulary(template):
    text = template.read_text(encoding="utf-8")
    by_hand = [(macro, name, label) for macro, name, label in MACRO_CALL.findall(text) if name in VOCABULARY]
    assert not by_hand, f"{template.name} writes a fact's label by hand (take it from the vocabulary): {by_hand}"
    assert not _literal_copies(text), f"{template.name} copies wording from facts.yaml: {_literal_copies(text)}"


def test_the_form_templates_exist_and_are_checked():
    names = {p.name for p in FORM_TEMPLATES}
    assert "self_referral_question.html" in names and len(names) >= 5


def test_every_asked_fact_has_the_persons_wording():
    """A question the form can ask needs its labels, a short name for "Check your answers" and its errors."""
    for name, fact in ASKED.items():
        assert fact.summary_label, name
        assert fact.errors.get("required"), name
        if fact.type in ("boolean", "enum", "enum_list"):
            assert {v for v, _ in fact.choices()} >= ({"yes", "no"} if fact.type == "boolean" else set(fact.values)), name
            assert all(fact.answers.get(v) for v in (("yes", "no") if fact.type == "boolean" else fact.values)), name


def test_the_engine_next_question_is_the_same_wording():
    decision = default_engine().evaluate({})
    fact = VOCABULARY[decision["next_question"]["fact"]]
    assert decision["next_question"]["text"] == fact.question


def test_specific_error_messages_are_written_in_facts_yaml():
    # Issue 9 item 7 and FIELD-NOTES: "Enter your age as a number, like 34"; a real postcode, like S1 2AB.
    assert VOCABULARY["age"].error("invalid") == "Enter your age as a number, like 34"
    assert VOCABULARY["postcode"].error("unknown") == "Enter a real postcode, like S1 2AB"
    assert VOCABULARY["wants_paid_work"].error("required").startswith("Select yes if")


# Words that speak to the person. /check is read by a clinician about their patient (FIELD-NOTES 'The
# clinician page': "Explanations speak to the patient"), so its wording never uses them.
ADDRESSES_THE_PERSON = re.compile(r"\b(you|your|yours|yourself)\b", re.IGNORECASE)


def test_every_criterion_has_clinician_wording_that_never_says_you():
    ruleset = default_engine().ruleset
    for pathway in ruleset.pathways:
        for criterion in pathway.criteria:
            for outcome in ("met", "not_met", "unknown"):
                words = criterion.explain_clinician.get(outcome)
                where = f"{pathway.id}.{criterion.id}.{outcome}"
                assert words and words.strip(), f"{where} has no clinician wording"
                assert not ADDRESSES_THE_PERSON.search(words), f"{where} speaks to the patient: {words!r}"
                if ADDRESSES_THE_PERSON.search(criterion.explain[outcome]):
                    assert words != criterion.explain[outcome], where
        for words in (pathway.summary_clinician, pathway.access_route_clinician):
            assert words and not ADDRESSES_THE_PERSON.search(words), f"{pathway.id}: {words!r}"
        for note in pathway.does_not_exclude:  # shown on /check as they are
            assert not ADDRESSES_THE_PERSON.search(note.explanation), f"{pathway.id} does_not_exclude {note.fact}"


def test_every_asked_fact_has_the_clinicians_question_about_the_patient():
    for name, fact in ASKED.items():
        assert fact.clinician_question, f"{name} has no clinician_question in facts.yaml"
        assert not ADDRESSES_THE_PERSON.search(fact.clinician_question), f"{name}: {fact.clinician_question!r}"
        assert "patient" in fact.clinician_question, name


@pytest.mark.parametrize("facts", [{}, {"age": 15, "postcode": "S1 2AB", "conditions": ["anxiety"]},
                                   {"age": 40, "conditions": ["psychosis"], "wants_paid_work": True,
                                    "criminal_record": True},
                                   {"age": 30, "postcode": "B1 1AA", "conditions": ["depression"],
                                    "talking_therapies": "none", "wants_paid_work": False}])
def test_every_reason_the_engine_gives_carries_the_clinician_explanation(facts):
    decision = default_engine().evaluate(facts)
    for pathway in decision["pathways"]:
        for reason in pathway["reasons"]:
            words = reason.get("clinician_explanation")
            assert words and not ADDRESSES_THE_PERSON.search(words), (pathway["id"], reason)
