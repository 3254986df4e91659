"""The intent classifier, measured on examples it never saw (a held-out split of bot/data/nlu.yml)."""

from __future__ import annotations

from collections import Counter

from sklearn.model_selection import train_test_split

from bot.engine.nlu import Interpreter, default_interpreter, extract_entities, load_examples

HELD_OUT_ACCURACY_FLOOR = 0.65


def test_every_intent_has_at_least_25_examples():
    counts = Counter(intent for _, intent in load_examples())
    assert len(counts) >= 10
    assert min(counts.values()) >= 25, counts


def test_held_out_accuracy(record_property, capsys):
    examples = load_examples()
    train, test = train_test_split(examples, test_size=0.2, random_state=7, stratify=[i for _, i in examples])
    interpreter = Interpreter(train)
    right = sum(interpreter.parse(text)["intent"]["name"] == intent for text, intent in test)
    accuracy = right / len(test)
    record_property("nlu_held_out_accuracy", accuracy)
    with capsys.disabled():
        print(f"\nNLU held-out accuracy: {accuracy:.3f} ({right}/{len(test)})")
    assert accuracy >= HELD_OUT_ACCURACY_FLOOR


def test_unseen_everyday_phrasings():
    nlu = default_interpreter()
    for text, intent in [("hiya there", "greet"), ("i need to get a job", "want_find_work"),
                         ("will i lose my universal credit", "ask_benefits"), ("can i ring someone", "ask_human"),
                         ("start over please", "restart"), ("nope", "deny"), ("yes please", "affirm")]:
        assert nlu.parse(text)["intent"]["name"] == intent, text


def test_button_payloads_are_understood():
    parsed = default_interpreter().parse('/inform{"conditions": ["anxiety"], "age": 34}')
    assert parsed["intent"] == {"name": "inform", "confidence": 1.0}
    assert {(e["entity"], str(e["value"])) for e in parsed["entities"]} == {("conditions", "['anxiety']"), ("age", "34")}


def test_entities_for_age_postcode_and_phone():
    found = {e["entity"]: e["value"] for e in extract_entities("I'm 34, S1 2AB, call 07700 900123")}
    assert found == {"age": 34, "postcode": "S1 2AB", "phone": "+447700900123"}
    assert extract_entities("I have 2 kids") == []
