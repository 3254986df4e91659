"""The lexicon reads families of wordings, not single phrases (docs/clinical-safety.md H1: a crisis is missed).

Each case is a wording no evaluation file holds, built from the same families as the lexicon's composed
patterns: a self-directed verb with "myself", means near a final or intent word, a weapon with a grievance,
run-together words, a short message chopped up by punctuation. And the other side: typo tolerance never
turns an everyday word into a risk word ("overdoing" is not "overdose", "strange" is not "strangle")."""

from __future__ import annotations

import pytest

from bot.safety import assess_risk


@pytest.mark.parametrize("words", [
    "gonna finish myself off tonight", "thinking of doing myself in", "i might just drown myself",
    "im going to do away with myself", "just let me die", "i'd rather be six feet under",
])
def test_a_self_directed_verb_with_myself_is_urgent(words):
    assert assess_risk(words, use_classifier=False).level == "urgent", words


@pytest.mark.parametrize("words", [
    "rope. tonight. goodbye", "the blades are out, its time", "got the tablets, got the gin, done",
    "how many amitriptyline would it take", "whats a lethal dose of propranolol", "how long does it take to bleed out",
    "tied the cord to the banister", "driving to the cliffs and not coming back",
])
def test_means_near_a_final_or_intent_word_is_urgent(words):
    assert assess_risk(words, use_classifier=False).level == "urgent", words


@pytest.mark.parametrize("words", [
    "ive got a hammer in my bag, he'll get whats coming", "gonna make my landlord pay, the knife is ready",
    "im going to deck my brother", "going to kick his head in",
])
def test_a_weapon_with_a_grievance_or_a_blow_to_a_person_is_urgent(words):
    assert assess_risk(words, use_classifier=False).level == "urgent", words


@pytest.mark.parametrize("words", ["iwannadie", "gonnakillmyself", "i want2die", "i wanna die fr"])
def test_run_together_words_and_chat_shorthand(words):
    assert assess_risk(words, use_classifier=False).level == "urgent", words


@pytest.mark.parametrize("words", [
    "i've been overdoing it at work", "i feel a bit strange today", "i strongly want to work again",
    "i was in prison, will that stop me", "job hunting is hard", "i'm homeless at the moment",
    "my deadline is friday", "put a rope swing up in the garden", "said my goodbyes to the team, new job monday",
    "that cake was to die for", "let me die of embarrassment", "tonight's the night, first shift!",
    "picking up my tablets tonight", "how many paracetamol can i take in a day",
    # an everyday word of time or farewell beside a medicine, a drink or a bridge is not a plan
    "sorry its time for my tablets, back in 5", "its time for a vodka", "goodbye dry january, hello vodka",
    "my tablets are ready to collect, goodbye for now", "the bridge is closed, its time they fixed it",
    "i sorted everything, tonights the night for my first date",
])
def test_everyday_words_near_risk_words_are_not_risk(words):
    assert assess_risk(words, use_classifier=False).level is None, words


def test_a_chopped_short_message_is_read_whole_but_a_long_one_keeps_its_sentences():
    assert assess_risk("pills. vodka. sorted.", use_classifier=False).level == "urgent"
    long_message = ("i picked up my pills from the chemist this morning and the queue was long. "
                    "then i went to the shop for bread and milk and some other bits. "
                    "my brother brought round a bottle of vodka for the party on saturday. "
                    "everything is sorted for the interview now")
    assert assess_risk(long_message, use_classifier=False).level is None


@pytest.mark.parametrize("words", ["been overdoing things", "i'm overdoing it again at work", "i overdid the gym",
                                   "i took my tablets late, not on purpose"])
def test_overdoing_and_an_accident_are_not_risk_even_to_the_classifier(words):
    # "overdo" is blanked for the classifier as well: its letter n-grams once read "been overdoing things" as urgent.
    assert assess_risk(words).level is None, words


def test_medication_taken_on_purpose_is_urgent():
    assert assess_risk("i overdid it on purpose with my pills", use_classifier=False).level == "urgent"
