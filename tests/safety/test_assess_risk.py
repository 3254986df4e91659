"""assess_risk: normalisation, idioms, levels, the classifier's place, and every example in issue 9's text
and CONTRACT.md "Risk first, on every channel"."""

from __future__ import annotations

import pytest

from bot.safety import NO_RISK, RiskAssessment, assess_risk, detect_risk
from bot.safety.classifier import ClassifierResult
from bot.safety.lexicon import LexiconError, default_lexicon, load_lexicon
from bot.safety.normalise import normalise

# Issue 9, "Tried as a new user would": each got no crisis help.
ISSUE_MISSES = {
    "i dont wanna be here anymore": "check",
    "whats the point in living": "check",
    "I have pills saved up to take them all": "urgent",
    "i want to kill myself": "urgent",  # the SMS reply filed as kind "other"
    "i dont wanna be here anymor": "check",  # FIELD-NOTES.md
}
# CONTRACT.md: "Everyday idioms ... are not a crisis"; issue 9's brief adds the rest.
NOT_A_CRISIS = [
    "this job search is killing me", "I'm dying to get back to work", "will I loose my benefits",
    "will i loose my benefits", "my back is killing me", "dying to start", "dying for a brew", "I'm dead tired",
    "i'd kill for a job", "I want to quit my job", "I'm in my overdraft", "I take my meds every morning",
    "I pick my tablets up from the pharmacy", "I want to leave my job", "this job is killing me",
]
FORM_ANSWERS = ["waiting to start", "yes", "no", "S1 2AB", "29", "psychosis", "back pain", "i want a job",
                "I am waiting to start", "start again", "stop", "go back", "07700 900123", "0121 496 0123", "Sam",
                "depression", "severe depression", "in treatment", "not sure", "hi im 16 and i want a job"]


@pytest.mark.parametrize(("text", "level"), ISSUE_MISSES.items())
def test_the_messages_that_got_no_crisis_help_are_now_caught(text, level):
    assert assess_risk(text).level == level


@pytest.mark.parametrize("text", NOT_A_CRISIS)
def test_everyday_idioms_are_not_a_crisis(text):
    assert assess_risk(text) == NO_RISK


@pytest.mark.parametrize("text", FORM_ANSWERS)
def test_ordinary_answers_to_the_form_are_not_risk(text):
    assert assess_risk(text) == NO_RISK


def test_an_idiom_hides_only_its_own_words():
    assert assess_risk("this job is killing me") == NO_RISK
    both = assess_risk("this job is killing me and i want to kill myself")
    assert both.level == "urgent" and both.category == "suicidal_thoughts"
    assert assess_risk("I'm dying to get a job but honestly i want to die").level == "urgent"
    assert assess_risk("quit my job and now i want to end it").level == "urgent"


@pytest.mark.parametrize(("text", "level", "category"), [
    ("kms", "urgent", "suicidal_thoughts"),
    ("gonna kms rn", "urgent", "suicidal_thoughts"),
    ("kys", "urgent", "harm_to_others"),
    ("i wanna unalive myself", "urgent", "suicidal_thoughts"),
    ("i just wanna be ded", "urgent", "suicidal_thoughts"),
    ("im gonna end it tbh", "urgent", "suicidal_thoughts"),
    ("idk i cant go on", "check", "passive_suicidal_thoughts"),
    ("u lot would be better off without me", "check", "passive_suicidal_thoughts"),
    ("ur better off without me", "check", "passive_suicidal_thoughts"),
    ("having sucide thoughts", "urgent", "suicidal_thoughts"),
    ("feeling sucidal", "urgent", "suicidal_thoughts"),
    ("i overdoes last night", "urgent", "plan_or_means"),
    ("i want to kil myslef", "urgent", "suicidal_thoughts"),
    ("I WANT TO DIEEEE!!!", "urgent", "suicidal_thoughts"),
    ("i dont want to live", "urgent", "suicidal_thoughts"),
    ("I don\u2019t want to live", "urgent", "suicidal_thoughts"),
])
def test_slang_text_speak_and_misspellings(text, level, category):
    result = assess_risk(text)
    assert (result.level, result.category) == (level, category), result


@pytest.mark.parametrize(("text", "expected"), [
    ("I don't wanna be here anymore!!", ["i", "do", "not", "want", "to", "be", "here", "anymore"]),
    ("whats the point", ["what", "is", "the", "point"]),
    ("I'll kill them", ["i", "will", "kill", "them"]),
    ("im gonna", ["i", "am", "going", "to"]),
    ("pleeeease", ["please"]),
    ("u r", ["you", "are"]),
    ("cant. dont", ["can", "not", ".", "do", "not"]),
    ("my self", ["myself"]),
    ("sucidal", ["suicidal"]),
    ("i OD'd", ["i", "overdosed"]),
    ("", []),
])
def test_normalisation(text, expected):
    assert normalise(text) == expected


def test_an_idiom_matches_exactly_so_it_never_hides_a_near_word():
    # "killer" is an idiom; "killed" (one letter away) is not, so "killed himself" is still read.
    assert assess_risk("it was a killer interview") == NO_RISK
    assert assess_risk("my brother killed himself two years ago").level == "check"


def test_a_phrase_never_spans_two_sentences():
    # "want to" ends one sentence, "die" starts a film title in the next.
    assert assess_risk("i want to. Die Hard is on tonight", use_classifier=False) == NO_RISK


def test_someone_elses_suicide_is_asked_about_not_treated_as_a_plan():
    assert assess_risk("my brother died by suicide last year").level == "check"
    assert assess_risk("i lost my best friend to suicide").level == "check"
    assert assess_risk("i volunteer for a suicide prevention charity") == NO_RISK
    assert assess_risk("my brother died by suicide and i want to kill myself").level == "urgent"


def test_a_negation_asks_rather_than_dismisses():
    denial = assess_risk("no im not suicidal")
    assert (denial.level, denial.negated) == ("check", True)
    assert assess_risk("whats the point in living").negated is False
    assert assess_risk("im not suicidal but whats the point in living").negated is False
    assert assess_risk("im not going to kill myself").level == "check"
    assert assess_risk("i dont want to kill myself but i think about it").level == "check"
    # Not negations of the risk: the negation belongs to something else, or is a question.
    assert assess_risk("i dont know, i want to die").level == "urgent"
    assert assess_risk("i can't cope i want to die").level == "urgent"
    assert assess_risk("why shouldnt i just kill myself").level == "urgent"


def test_the_classifier_can_only_raise(monkeypatch):
    class Sure:
        def __init__(self, p, category="passive_suicidal_thoughts"):
            self.p, self.category = p, category

        def read(self, text):
            return ClassifierResult(self.p, self.category)

    # A classifier that is sure nothing is risk cannot lower the lexicon's urgent or check.
    assert assess_risk("i want to kill myself", classifier=Sure(0.0)).level == "urgent"
    assert assess_risk("whats the point in living", classifier=Sure(0.0)).level == "check"
    # A classifier that thinks it likely raises a message the lexicon passed to check ...
    raised = assess_risk("a message the lexicon does not know", classifier=Sure(0.75))
    assert raised == RiskAssessment("check", "passive_suicidal_thoughts", "classifier")
    # ... and one that is very sure it reads a plan raises it to urgent (a plan only it reads is not just asked about),
    assert assess_risk("a message the lexicon does not know", classifier=Sure(0.99, "plan_or_means")) == RiskAssessment(
        "urgent", "plan_or_means", "classifier")
    # but a passive wish stays a question (CONTRACT.md: "what's the point in living" is asked about), and so do
    # the lexicon's own checks and denials, however sure the classifier is.
    assert assess_risk("a message the lexicon does not know", classifier=Sure(0.99)).level == "check"
    assert assess_risk("whats the point in living", classifier=Sure(0.99, "plan_or_means")).level == "check"
    denied = assess_risk("no, i'm not suicidal", classifier=Sure(0.99, "suicidal_thoughts"))
    assert denied.level == "check" and denied.negated


def test_a_broken_classifier_leaves_the_lexicon_standing():
    class Broken:
        def read(self, text):
            raise RuntimeError("model file missing")

    assert assess_risk("i want to kill myself", classifier=Broken()).level == "urgent"
    assert assess_risk("hello there", classifier=Broken()) == NO_RISK


@pytest.mark.parametrize("text", [None, "", "   ", "\n", "x" * 100_000, "\u0000\u202e", "🙂🙂🙂"])
def test_odd_input_never_raises(text):
    assert isinstance(assess_risk(text), RiskAssessment)


def test_detect_risk_still_answers_for_both_levels():
    assert detect_risk("whats the point in living").level == "check"
    assert detect_risk("i want to kill myself").level == "urgent"
    assert detect_risk("will i loose my benefits") is None


def test_the_reason_names_the_lexicon_entry():
    result = assess_risk("I have pills saved up to take them all")
    assert result.category == "plan_or_means"
    assert result.reason and "pills" in result.reason


def _example(pattern) -> str:
    words = []
    for slot in pattern.slots:
        alternative = next((a for a in slot.alternatives if a), ())
        words.extend("12" if w.number else w.text for w in alternative)
    return " ".join(words)


def test_every_phrase_in_the_reviewable_lexicon_matches_an_example_of_itself():
    lexicon = default_lexicon()
    for pattern in lexicon.patterns:
        found = lexicon.match_tokens(normalise(_example(pattern)))
        assert found is not None, pattern.text
    assert lexicon.categories() == {
        "urgent": {"suicidal_thoughts", "plan_or_means", "farewell", "self_harm", "harm_to_others", "crisis"},
        "check": {"passive_suicidal_thoughts", "farewell", "self_harm", "harm_to_others"},
    }


def test_the_lexicon_loader_refuses_what_it_cannot_use(tmp_path):
    idioms = tmp_path / "idioms.yml"
    idioms.write_text("idioms: [killing me]\n")
    for bad in ("serious:\n  x: [kill myself]\n", "urgent:\n  x: []\n", "urgent:\n  x: ['(kill myself']\n",
                "urgent:\n  x: ['... kill']\n", "urgent:\n  x: ['Kill-Myself!']\n"):
        phrases = tmp_path / "risk.yml"
        phrases.write_text(bad)
        with pytest.raises(LexiconError):
            load_lexicon(phrases, idioms)
