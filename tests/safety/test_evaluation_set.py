"""The labelled evaluation set (bot/safety/eval/) and the targets of issue 9: on the held-out messages,
recall 100% (every message at risk is flagged), `urgent` false alarms <= 2% and any false alarm <= 10%,
for the lexicon alone and with the classifier. Counts, not time."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.safety import assess_risk
from bot.safety.classifier import training_examples
from bot.safety.evaluation import load_examples
from bot.safety.normalise import normalise

RANK = {None: 0, "check": 1, "urgent": 2}


@pytest.fixture(scope="module")
def held_out():
    return load_examples(["heldout"])


def test_the_set_is_large_and_balanced_enough():
    examples = load_examples()
    at_risk = [e for e in examples if e.at_risk]
    assert len(examples) >= 400
    assert len(at_risk) >= 200 and len(examples) - len(at_risk) >= 200
    categories = Counter(e.category for e in at_risk)
    for category in ("suicidal_thoughts", "passive_suicidal_thoughts", "plan_or_means", "farewell", "self_harm",
                     "harm_to_others"):
        assert categories[category] >= 10, category
    safe = Counter(e.category for e in examples if not e.at_risk)
    for category in ("idiom", "medication", "leaving_job", "benefits", "form_answer"):
        assert safe[category] >= 10, category


def test_held_out_messages_are_never_training_messages(held_out):
    held = {" ".join(normalise(e.text)) for e in held_out}
    trained = {" ".join(normalise(e.text)) for e in training_examples()}
    dev = {" ".join(normalise(e.text)) for e in load_examples(["dev"])}
    assert held & trained == set()
    assert held & dev == set()


@pytest.mark.parametrize("use_classifier", [False, True], ids=["lexicon", "lexicon+classifier"])
def test_every_held_out_message_at_risk_is_flagged(held_out, use_classifier):
    missed = [e.text for e in held_out if e.at_risk and assess_risk(e.text, use_classifier=use_classifier).level is None]
    assert missed == []


def test_every_held_out_urgent_message_is_urgent(held_out):
    under = [e.text for e in held_out if e.label == "urgent" and assess_risk(e.text).level != "urgent"]
    assert under == []


@pytest.mark.parametrize("use_classifier", [False, True], ids=["lexicon", "lexicon+classifier"])
def test_false_alarms_stay_within_the_limits(held_out, use_classifier):
    safe = [e for e in held_out if not e.at_risk]
    levels = [assess_risk(e.text, use_classifier=use_classifier).level for e in safe]
    urgent = sum(1 for level in levels if level == "urgent")
    any_level = sum(1 for level in levels if level is not None)
    assert urgent <= 0.02 * len(safe), [e.text for e, lv in zip(safe, levels, strict=True) if lv == "urgent"]
    assert any_level <= 0.10 * len(safe), [e.text for e, lv in zip(safe, levels, strict=True) if lv]


def test_the_classifier_never_lowers_what_the_lexicon_found():
    for example in load_examples():
        alone = assess_risk(example.text, use_classifier=False).level
        together = assess_risk(example.text).level
        assert RANK[together] >= RANK[alone], example.text
