"""The intent classifier, measured on examples it never saw (a held-out split of bot/data/nlu.yml)."""

from __future__ import annotations

import re
from collections import Counter

from sklearn.model_selection import train_test_split

from bot.engine.nlu import Interpreter, default_interpreter, extract_entities, load_examples

# Measured 0.905 (249/275) on this split of 1,373 examples; 0.750 (63/84) before the examples were
# enlarged. 5-fold cross-validation on the same file gives about 0.89.
HELD_OUT_ACCURACY_FLOOR = 0.90


def test_every_intent_has_at_least_40_examples():
    counts = Counter(intent for _, intent in load_examples())
    assert len(counts) >= 15
    assert min(counts.values()) >= 40, counts


def test_no_example_is_repeated_so_the_held_out_split_is_fair():
    # Two spellings of one example ("Yes please!" and "yes please") would put it on both sides of the split.
    seen: dict[str, str] = {}
    for text, intent in load_examples():
        key = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("'", "")).strip()
        assert key not in seen, (text, intent, seen.get(key))
        seen[key] = intent


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


# Written before bot/data/nlu.yml was enlarged and never added to it: a second, smaller held-out set.
UNSEEN = [
    ('hiya, anyone about?', 'greet'), ('good mornin', 'greet'), ('hello i need a bit of help', 'greet'),
    ('hey you', 'greet'), ("right i'm off, bye", 'goodbye'), ('thanks for your help, bye', 'goodbye'),
    ('cya', 'goodbye'), ("that's me done, ta", 'goodbye'), ('yes thats right', 'affirm'), ('yeah go on', 'affirm'),
    ('ok then', 'affirm'), ('yeh', 'affirm'), ('nah not me', 'deny'),
    ('no not really', 'deny'), ('nope never', 'deny'), ("haven't a clue", 'dont_know'),
    ('not sure tbh', 'dont_know'), ('i really dont know', 'dont_know'), ('no idea mate', 'dont_know'),
    ('i want to get a job', 'want_find_work'), ('need work asap', 'want_find_work'),
    ('help me find a job please', 'want_find_work'), ("i'd love to get back to work", 'want_find_work'),
    ("i'm scared i'll get sacked", 'want_keep_job'), ('i need help staying in my job', 'want_keep_job'),
    ("i'm off sick and want to go back", 'want_keep_job'), ('struggling to cope at work', 'want_keep_job'),
    ("what's this all about", 'want_info'), ('just want some info', 'want_info'),
    ('what can you do for me', 'want_info'), ("i'm just having a look", 'want_info'),
    ('what does ips stand for', 'ask_about_ips'), ('what would an employment specialist do for me', 'ask_about_ips'),
    ('how does ips help', 'ask_about_ips'), ('explain individual placement and support', 'ask_about_ips'),
    ('will i lose my uc', 'ask_benefits'), ('what happens to my pip', 'ask_benefits'),
    ('will working affect my benefits', 'ask_benefits'), ('could i lose my esa', 'ask_benefits'),
    ("can i get help if i'm not well", 'ask_well_first'), ('do i have to be better first', 'ask_well_first'),
    ("i'm still poorly, does that matter", 'ask_well_first'), ("is it ok if i'm still ill", 'ask_well_first'),
    ('can i speak to a real human', 'ask_human'), ('i want to talk to someone on the phone', 'ask_human'),
    ('whats your phone number', 'ask_human'), ('is this a bot', 'ask_human'), ('start it again', 'restart'),
    ('can i start again please', 'restart'), ('start over pls', 'restart'), ('go back to the very start', 'restart'),
    ('stop now', 'stop'), ('i want to stop this', 'stop'), ('cancel this please', 'stop'), ('end chat', 'stop'),
    ("i'm 27", 'inform'), ('s10 2tn', 'inform'), ('i have bipolar disorder', 'inform'),
    ("i'm on the waiting list for therapy", 'inform'),
]


def test_phrasings_never_trained_on(capsys):
    trained = {re.sub(r"[^a-z0-9]+", " ", t.lower().replace("'", "")).strip() for t, _ in load_examples()}
    assert not [t for t, _ in UNSEEN if re.sub(r"[^a-z0-9]+", " ", t.lower().replace("'", "")).strip() in trained]
    nlu = default_interpreter()
    wrong = [(t, i, nlu.parse(t)["intent"]["name"]) for t, i in UNSEEN if nlu.parse(t)["intent"]["name"] != i]
    with capsys.disabled():
        print(f"\nNLU on {len(UNSEEN)} never-trained phrasings: {len(UNSEEN) - len(wrong)} right")
    assert len(wrong) <= 3, wrong
