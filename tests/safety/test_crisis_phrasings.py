"""Phrasings first collected for the chat (formerly tests/bot/test_crisis.py): many phrasings and typos are
caught; everyday answers are not; the assistant's own training examples are not risk phrases."""

from __future__ import annotations

import pytest

from bot.safety import detect_risk

AT_RISK = [
    "I want to kill myself", "i wanna kill my self", "I'm going to end my life", "thinking about ending it all",
    "i feel suicidal", "having sucidal thoughts again", "suiside", "I want to die", "i just want to die",
    "I wish I was dead", "everyone would be better off without me", "I can't go on", "i cant go on like this",
    "I can't take it anymore", "there's no point living", "I have nothing to live for", "I don't want to be here anymore",
    "dont want to live", "I've been self harming", "i self-harm", "I keep cutting myself", "I want to hurt myself",
    "I took an overdose last night", "thinking of overdosing", "I'm going to take all my tablets",
    "i have been stockpiling my pills", "I took too many pills", "I want to hurt someone", "I'm going to kill him",
    "I feel like I could kill somebody", "I might jump off a bridge", "I'm going to hang myself", "kms",
    "I want to kil myself", "i want to kll myslef", "I CANT GO ON", "I want to end it", "no reason to live",
    "I'm planning to take my own life", "i wish i could go to sleep and not wake up", "i want to disappear forever",
    "nobody would miss me", "i cant cope anymore", "I'm thinking of killing myself", "ive od",
    # Phrasings the phrase list was not written from, and their typos.
    "I want to end it all", "i want to end it al", "thinking of taking all my pills", "thinkin of takin all my pils",
    "no point living", "no point in livin", "no point going on", "i might hurt someone", "i mite hurt sum1",
    "kill myself", "kil myself", "suicidal", "suicdal", "sucidal", "self harm", "self harn", "selfharm",
    "I cant go on anymore", "i cnt go on any more", "overdosed last night", "overdossed last nite",
    "od last night", "want 2 die", "better off dead", "take all my meds", "im done with life",
]
NOT_AT_RISK = [
    "hello", "I want a job", "I'm 34", "S1 2AB", "I have anxiety and depression", "will it affect my benefits",
    "do I need to be stable first", "I want to stay in work", "I hurt my back at work", "start again", "no thanks",
    "07700 900123", "I'm not working at the moment", "tell me about IPS", "my name is Sam",
]


@pytest.mark.parametrize("text", AT_RISK)
def test_risk_is_recognised_in_many_phrasings_and_typos(text):
    assert detect_risk(text) is not None, text


@pytest.mark.parametrize("text", NOT_AT_RISK)
def test_everyday_answers_are_not_flagged(text):
    assert detect_risk(text) is None, detect_risk(text)


def test_training_examples_for_the_assistant_are_not_risk_phrases():
    from bot.engine.nlu import load_examples
    from bot.safety.lexicon import default_lexicon

    # The lexicon alone: the classifier is trained with these as not-at-risk examples. Two stop-words
    # phrasings are ambiguous enough that asking directly is right ("check", never "urgent").
    lexicon = default_lexicon()
    flagged = {text: found.level for text, _ in load_examples() if (found := lexicon.match(text))}
    assert set(flagged.values()) <= {"check"}, flagged
    assert len(flagged) <= 5, flagged
