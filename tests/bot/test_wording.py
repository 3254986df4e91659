"""Wording in one place (issue 9 item 6): each question and answer label is written once, in
rules/facts.yaml. The chat builds its questions from it, and domain.yml (read by a separate Rasa
server) must say the same: run ``python -m bot.engine.domain`` after changing facts.yaml."""

from __future__ import annotations

import yaml

from bot.engine.domain import DOMAIN_FILE, load_domain, questions_from_rules
from bot.questions import FORM_FACTS
from rules import default_engine


def test_every_question_the_chat_asks_is_the_one_in_rules_facts_yaml():
    vocabulary = default_engine().vocabulary
    domain = load_domain()
    for name in FORM_FACTS:
        if name not in vocabulary or not vocabulary[name].question:
            continue
        response = domain["responses"][f"utter_ask_{name}"][0]
        assert response["text"].startswith(vocabulary[name].question), name
        titles = [b["title"] for b in response.get("buttons", [])]
        fact = vocabulary[name]
        if fact.type in ("enum", "enum_list", "boolean"):
            assert titles[:len(fact.choices())] == [label for _value, label in fact.choices()], name


def test_domain_yml_has_not_drifted_from_rules_facts_yaml():
    written = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["responses"]
    drifted = [name for name, response in questions_from_rules().items() if written.get(name) != response]
    assert drifted == [], f"domain.yml differs from rules/facts.yaml for {drifted}: run python -m bot.engine.domain"


def test_a_question_changed_in_the_rules_changes_the_chat():
    from bot.engine.domain import question_response

    fact = default_engine().vocabulary["talking_therapies"]
    changed = type(fact)(**{**fact.__dict__, "question": "Are you seeing NHS Talking Therapies?"})
    assert question_response(changed)["text"].startswith("Are you seeing NHS Talking Therapies?")
