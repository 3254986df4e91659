"""A second reader for risk: a char n-gram classifier trained on the labelled set's training split.

It can only raise a level, never lower what the lexicon found (bot/safety/assessment.py). It reads
the normalised words with idiom-covered words blanked, so "this job is killing me" looks to it like
"this job is _ _". Trained at first use from bot/safety/eval/messages.csv (split ``train``; about a
tenth of a second) and kept for the life of the process.

It raises to ``check`` only (ask directly, crisis lines beside), never to ``urgent``: trained on a few
hundred messages it is a weaker reader than the lexicon, good for "this might be risk" and no more.
``CHECK_THRESHOLD`` was chosen on 5-fold cross-validated probabilities over the ``train`` and ``dev``
splits (``python -m bench.safety --curve`` prints them), never on the held-out set: at 0.7 the
classifier's own false alarms stay near 3% of the messages that are not at risk.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import yaml

from .evaluation import Example, load_examples
from .lexicon import Lexicon, default_lexicon
from .normalise import normalise

CHECK_THRESHOLD = 0.7
REGULARISATION = 1.0
IDIOM_TOKEN = "_"
NLU_FILE = Path(__file__).parent.parent / "data" / "nlu.yml"
_ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})?")


@dataclass(frozen=True)
class ClassifierResult:
    """The classifier's reading of one message."""

    p_at_risk: float
    category: str | None


def training_examples() -> list[Example]:
    """The ``train`` split, plus the chat assistant's own examples (bot/data/nlu.yml) as messages that
    are not at risk: ordinary chat ("i want to know more", "i give up on this form") that a classifier
    trained on risk alone would flag. An example the lexicon flags, or one that reads like a held-out
    message, is left out, so neither the lexicon's judgement nor the held-out set is trained away."""
    examples = load_examples(["train"])
    lexicon = default_lexicon()
    held_out = {" ".join(normalise(e.text, lexicon.spellings)) for e in load_examples(["heldout"])}
    seen = {" ".join(normalise(e.text, lexicon.spellings)) for e in examples}
    for text in _assistant_examples():
        key = " ".join(normalise(text, lexicon.spellings))
        if key and key not in held_out and key not in seen and lexicon.match(text) is None:
            seen.add(key)
            examples.append(Example(text, "none", "assistant_example", "train"))
    return examples


def _assistant_examples() -> list[str]:
    """Plain texts of the chat assistant's NLU examples (entity annotations removed), if the file is there."""
    if not NLU_FILE.exists():
        return []
    data = yaml.load(NLU_FILE.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    texts = []
    for block in (data or {}).get("nlu", []) or []:
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                texts.append(_ANNOTATION.sub(r"\1", line[2:].strip()))
    return texts


def classifier_text(text: str | None, lexicon: Lexicon | None = None) -> str:
    """What the classifier reads: normalised words, idiom words blanked."""
    lexicon = lexicon or default_lexicon()
    tokens = normalise(text, lexicon.spellings)
    masked = lexicon.idiom_mask(tokens)
    return " ".join(IDIOM_TOKEN if i in masked else token for i, token in enumerate(tokens))


class RiskClassifier:
    """TF-IDF over character 2-5-grams and word 1-2-grams, then logistic regression (at risk or not);
    a second, smaller model names the likeliest risk category for a message it flags."""

    def __init__(self, examples=None, lexicon: Lexicon | None = None):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.svm import LinearSVC

        self.lexicon = lexicon or default_lexicon()
        examples = list(examples if examples is not None else training_examples())
        texts = [classifier_text(e.text, self.lexicon) for e in examples]
        self.model = make_pipeline(_features(), LogisticRegression(C=REGULARISATION, solver="liblinear",
                                                                    class_weight="balanced"))
        self.model.fit(texts, [int(e.at_risk) for e in examples])
        risky = [(text, e.category) for text, e in zip(texts, examples, strict=True) if e.at_risk]
        self.categories = make_pipeline(_features(), LinearSVC(C=REGULARISATION))
        self.categories.fit([t for t, _ in risky], [c for _, c in risky])

    def read(self, text: str | None) -> ClassifierResult:
        """The probability that ``text`` is at risk, and the likeliest risk category."""
        prepared = classifier_text(text, self.lexicon)
        if not prepared.strip(" ."):
            return ClassifierResult(0.0, None)
        p_at_risk = float(self.model.predict_proba([prepared])[0][1])
        category = str(self.categories.predict([prepared])[0]) if p_at_risk >= CHECK_THRESHOLD else None
        return ClassifierResult(round(p_at_risk, 4), category)


def _features():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"[^ ]+")),
    ])


_lock = threading.Lock()
_default: RiskClassifier | None = None


def default_classifier() -> RiskClassifier:
    """The classifier trained on the shipped training split, built once per process."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = RiskClassifier()
    return _default
