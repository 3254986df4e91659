"""A second reader for risk: a char n-gram classifier trained on the labelled set's training split.

It can only raise a level, never lower what the lexicon found (bot/safety/assessment.py). It reads
the normalised words with idiom-covered words blanked, so "this job is killing me" looks to it like
"this job is _ _". Trained from bot/safety/eval/messages.csv (split ``train``) and the chat assistant's
examples, then kept on disk as plain arrays in ``$SAFETY_CACHE_DIR`` (default ``./var/safety``), named
for a hash of the data and code: trained once (a second or two, ``python -m bot.safety.classifier``),
loaded by every later process in milliseconds without scikit-learn (``allow_pickle=False``: data only).

It raises a message the lexicon passed over to ``check`` (ask directly, crisis lines beside) at
``CHECK_THRESHOLD``, and to ``urgent`` only when very sure (``URGENT_THRESHOLD``) and reading more than a
passive wish (a plan, a farewell, self-harm, harm to others, intent): otherwise such a message, read by the
classifier alone, was only asked about even when it spoke of a plan ("i'm going to neck the lot"). 0.85 was
chosen on 5-fold cross-validated probabilities and categories over train + dev (``python -m bench.safety
--urgent-curve``), never on the held-out set: of the 65 urgent messages the lexicon passes over there, 15
become urgent, with 2 of 379 labelled not-at-risk messages (0.5%) and 1 of the assistant's 1,290 ordinary
examples (0.1%) raised to urgent (target <= 2%) and no passive message over-triaged; 0.8 would raise 18 but
6 of 379 (1.6%) everyday messages, too near the limit for an answer that stops the form.
``CHECK_THRESHOLD`` was chosen on 5-fold cross-validated probabilities over the ``train`` and ``dev``
splits (``python -m bench.safety --curve`` prints them), never on the held-out set, as the lowest
threshold at which its false alarms stay under the 10% target on the labelled not-at-risk messages and
under 1% on the assistant's ordinary examples: at 0.7 it finds
about 62% of the messages at risk on its own, with false alarms on 0.5% of the chat assistant's
ordinary examples and 9% of the labelled not-at-risk messages (many of them deliberately tricky).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import yaml

from ..term_arrays import packed, terms_in_column_order, unpacked
from .evaluation import FILES, Example, load_examples
from .lexicon import Lexicon, default_lexicon
from .normalise import normalise

log = logging.getLogger(__name__)
CHECK_THRESHOLD = 0.7
URGENT_THRESHOLD = 0.85
REGULARISATION = 1.0
CHAR_NGRAMS = (2, 5)
WORD_NGRAMS = (1, 2)
MODEL_FORMAT = 1
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
    """TF-IDF over character 2-5-grams and word 1-2-grams (one vocabulary), then logistic regression
    (at risk or not) and a linear SVM over the risk categories (which kind, for a message it flags).

    Trained with scikit-learn; kept and run as plain arrays (vocabularies, IDF weights, coefficients), the
    same arithmetic as scikit-learn's pipeline and checked against it on every training message when
    trained, so a cached model loads in milliseconds without importing scikit-learn.
    """

    def __init__(self, arrays: dict[str, np.ndarray], lexicon: Lexicon | None = None):
        self.lexicon = lexicon or default_lexicon()
        self.char_index = {t: i for i, t in enumerate(unpacked(arrays["char_terms"]))}
        offset = len(self.char_index)
        self.word_index = {t: i + offset for i, t in enumerate(unpacked(arrays["word_terms"]))}
        self.idf = arrays["idf"]
        self.risk_coef = arrays["risk_coef"]
        self.risk_intercept = float(arrays["risk_intercept"])
        self.category_names = unpacked(arrays["category_names"])
        self.category_coef = arrays["category_coef"]  # features x categories
        self.category_intercept = arrays["category_intercept"]

    @classmethod
    def train(cls, examples: list[Example] | None = None, lexicon: Lexicon | None = None) -> RiskClassifier:
        """Fit with scikit-learn on ``examples`` (default: ``training_examples()``) and keep the arrays."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        lexicon = lexicon or default_lexicon()
        examples = list(examples if examples is not None else training_examples())
        texts = [classifier_text(e.text, lexicon) for e in examples]
        features = _features()
        matrix = features.fit_transform(texts)
        risk = LogisticRegression(C=REGULARISATION, solver="liblinear", class_weight="balanced")
        risk.fit(matrix, [int(e.at_risk) for e in examples])
        risky = [i for i, e in enumerate(examples) if e.at_risk]
        category = LinearSVC(C=REGULARISATION).fit(matrix[risky], [examples[i].category for i in risky])
        chars, words = (v for _, v in features.transformer_list)
        coef = np.asarray(category.coef_, dtype=np.float64)
        intercept = np.asarray(category.intercept_, dtype=np.float64)
        if len(category.classes_) == 2:  # a binary SVM keeps one row: the second class's side
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        model = cls({
            "char_terms": packed(terms_in_column_order(chars.vocabulary_)),
            "word_terms": packed(terms_in_column_order(words.vocabulary_)),
            "idf": np.concatenate([chars.idf_, words.idf_]).astype(np.float64),
            "risk_coef": np.asarray(risk.coef_[0], dtype=np.float64),
            "risk_intercept": np.asarray(risk.intercept_[0], dtype=np.float64),
            "category_names": packed([str(c) for c in category.classes_]),
            "category_coef": np.ascontiguousarray(coef.T),
            "category_intercept": intercept,
        }, lexicon)
        expected = risk.predict_proba(matrix)[:, 1]
        got = np.array([model._p_at_risk(model._vector(t)) for t in texts])
        if not np.allclose(got, expected, rtol=1e-9, atol=1e-9):
            raise RuntimeError("the exported risk model does not reproduce scikit-learn's probabilities")
        names = model.category_names
        ours = [names[int(np.argmax(model._category_scores(model._vector(texts[i]))))] for i in risky]
        if ours != [str(c) for c in category.predict(matrix[risky])]:
            raise RuntimeError("the exported category model does not reproduce scikit-learn's choices")
        return model

    def arrays(self) -> dict[str, np.ndarray]:
        return {"char_terms": packed(list(self.char_index)), "word_terms": packed(list(self.word_index)),
                "idf": self.idf, "risk_coef": self.risk_coef, "risk_intercept": np.asarray(self.risk_intercept),
                "category_names": packed(self.category_names), "category_coef": self.category_coef,
                "category_intercept": self.category_intercept}

    def read(self, text: str | None) -> ClassifierResult:
        """The probability that ``text`` is at risk, and the likeliest risk category."""
        prepared = classifier_text(text, self.lexicon)
        if not prepared.strip(" ."):
            return ClassifierResult(0.0, None)
        vector = self._vector(prepared)
        p_at_risk = self._p_at_risk(vector)
        category = None
        if p_at_risk >= CHECK_THRESHOLD:
            category = self.category_names[int(np.argmax(self._category_scores(vector)))]
        return ClassifierResult(round(p_at_risk, 4), category)

    def _category_scores(self, vector: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        columns, weights = vector
        return weights @ self.category_coef[columns] + self.category_intercept if len(columns) else self.category_intercept

    def _p_at_risk(self, vector: tuple[np.ndarray, np.ndarray]) -> float:
        columns, weights = vector
        score = float(weights @ self.risk_coef[columns]) + self.risk_intercept if len(columns) else self.risk_intercept
        return 1.0 / (1.0 + math.exp(-score))

    def _vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The TF-IDF vector (sublinear tf, each block L2-normalised, as scikit-learn's FeatureUnion of two)."""
        all_columns, all_weights = [], []
        for index, grams in ((self.char_index, _char_wb_ngrams(text)), (self.word_index, _word_ngrams(text))):
            counts = Counter(index[g] for g in grams if g in index)
            if not counts:
                continue
            columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
            weights = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts))
            weights *= self.idf[columns]
            weights /= math.sqrt(float(weights @ weights))
            all_columns.append(columns)
            all_weights.append(weights)
        if not all_columns:
            return np.empty(0, dtype=np.intp), np.empty(0)
        return np.concatenate(all_columns), np.concatenate(all_weights)

    def save(self, path: Path) -> None:
        """Write atomically (a temporary file, then a rename): a worker never reads half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            os.fchmod(fd, 0o644)
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, **self.arrays())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path, lexicon: Lexicon | None = None) -> RiskClassifier:
        """Read a file written by ``save`` (data only: ``allow_pickle=False``)."""
        with np.load(path, allow_pickle=False) as data:
            return cls({name: data[name] for name in data.files}, lexicon)


_WHITE_SPACES = re.compile(r"\s\s+")


def _char_wb_ngrams(text: str) -> list[str]:
    # scikit-learn's "char_wb" analyser: 2- to 5-grams inside each word padded with one space each side.
    grams = []
    for word in _WHITE_SPACES.sub(" ", text.lower()).split():
        word = f" {word} "
        length = len(word)
        for n in range(CHAR_NGRAMS[0], CHAR_NGRAMS[1] + 1):
            offset = 0
            grams.append(word[offset:offset + n])
            while offset + n < length:
                offset += 1
                grams.append(word[offset:offset + n])
            if offset == 0:  # the word is shorter than n: counted once
                break
    return grams


def _word_ngrams(text: str) -> list[str]:
    tokens = re.findall(r"[^ ]+", text.lower())
    grams = list(tokens)
    for n in range(2, min(WORD_NGRAMS[1] + 1, len(tokens) + 1)):
        grams.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return grams


def _features():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=WORD_NGRAMS, sublinear_tf=True, token_pattern=r"[^ ]+")),
    ])








# --- the on-disk cache ---------------------------------------------------------------------------------

def cache_dir() -> Path:
    """Where trained models are kept: ``$SAFETY_CACHE_DIR``, else ``$VAR_DIR/safety`` (``./var/safety``)."""
    configured = os.environ.get("SAFETY_CACHE_DIR")
    return Path(configured) if configured else Path(os.environ.get("VAR_DIR") or "var") / "safety"


def model_key() -> str:
    """A hash of everything the model depends on: the labelled set (held-out files too: they decide which
    assistant examples are left out), the assistant's examples, the lexicon, this code, scikit-learn's version."""
    here = Path(__file__).parent
    parts = [*(path.read_bytes() for path in FILES), NLU_FILE.read_bytes() if NLU_FILE.exists() else b"",
             *((here / name).read_bytes() for name in ("classifier.py", "normalise.py", "lexicon.py", "risk_phrases.yml",
                                                       "idioms.yml", "spellings.yml")),
             f"format={MODEL_FORMAT};scikit-learn={_sklearn_version()}".encode()]
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:32]


def _sklearn_version() -> str:
    try:
        return metadata.version("scikit-learn")
    except metadata.PackageNotFoundError:
        return "none"


def cached_classifier(directory: Path | None = None) -> tuple[RiskClassifier, Path, bool]:
    """(classifier, its file, whether it was trained now): from the cache, else trained and saved there.
    A cache that cannot be written (read-only) still gives the freshly trained classifier."""
    directory = directory or cache_dir()
    file = directory / f"risk-{model_key()}.npz"
    if file.is_file():
        try:
            return RiskClassifier.load(file), file, False
        except (OSError, ValueError, KeyError) as error:  # damaged or foreign: train again and replace it
            log.warning("safety_cache_unreadable", extra={"error": type(error).__name__})
    model = RiskClassifier.train()
    try:
        model.save(file)
        for stale in directory.glob("risk-*.npz"):  # earlier data or code: never loaded again
            if stale != file:
                stale.unlink(missing_ok=True)
    except OSError as error:
        log.warning("safety_cache_not_written", extra={"error": type(error).__name__})
    return model, file, True


_lock = threading.Lock()
_default: RiskClassifier | None = None


def default_classifier() -> RiskClassifier:
    """The classifier for the shipped data: from the on-disk cache, trained only when data or code changed."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = cached_classifier()[0]
    return _default


def warm_up() -> None:
    """Load (or train) the lexicon and the classifier now, so the first message does not wait for them."""
    default_lexicon()
    default_classifier()


def main() -> None:
    """``python -m bot.safety.classifier``: train the classifier if the cache has none for the current data."""
    _, file, trained = cached_classifier()
    print(f"Risk classifier {'trained and saved to' if trained else 'already cached at'} {file}")


if __name__ == "__main__":
    main()
