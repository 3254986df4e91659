"""NLU: intents from a char n-gram classifier trained on bot/data/nlu.yml, entities from patterns.

Training (scikit-learn: TF-IDF over char and word n-grams into a linear SVM) takes a second or two,
and importing scikit-learn itself another second, so a trained model is kept on disk: plain arrays
(the n-gram vocabularies, IDF weights and SVM coefficients) in an ``.npz`` file named for the
content hash of the training examples, this code and the scikit-learn version. ``make`` (or the first
start) trains it once; every later start, and every gunicorn worker, loads it in milliseconds
without importing scikit-learn. Inference is the same arithmetic as the scikit-learn pipeline,
checked against it on every training example each time a model is trained.

The cache lives in ``$NLU_CACHE_DIR`` (default ``$VAR_DIR/nlu``, i.e. ``./var/nlu``). Files are
written to a temporary name and renamed, so a worker never reads half a file, and loaded with
``allow_pickle=False``, so a file in the cache can hold data only, never code.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import tempfile
from collections import Counter
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from .. import BOT_DIR
from ..answers import POSTCODE_PATTERN, read_phone, read_postcode
from ..term_arrays import packed, terms_in_column_order, unpacked

log = logging.getLogger(__name__)
NLU_FILE = BOT_DIR / "data" / "nlu.yml"
SOFTMAX_SCALE = 4.0
# Bump when the saved arrays change meaning; the source of this module is hashed into the key too.
MODEL_FORMAT = 1
_ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})?")
_PAYLOAD = re.compile(r"^\s*/([A-Za-z_][\w]*)\s*(\{.*\})?\s*$", re.DOTALL)
_AGE = re.compile(r"\b(?:i am|i'm|im|i’m|age|aged|age is)\s+(\d{1,3})\b|\b(\d{1,3})\s*(?:years old|yrs old|yrs|yo|y/o)\b",
                  re.IGNORECASE)
_PHONE_HINT = re.compile(r"(\+44|\b0)[\d\s()\-]{9,15}\d")
# Placeholders for the classifier: a phone number, postcode or other number reads as the kind of
# thing it is, so "my number is 07700 900456" is an answer like any other number, not a question
# about phone numbers, and "i am 38" is like "i'm 34" (the digits themselves carry no meaning).
_PHONE_LIKE = re.compile(r"(\+44|\b0)[\d\s()\-]{8,16}\d")
_NUMBER = re.compile(r"\d+")
# Transposed letters in the words that carry a goal ("i wnat a jbo"): the char n-grams of a word this short
# share too little with the right spelling, so the few that matter are put right before classifying.
_TYPOS = {"wnat": "want", "watn": "want", "wan": "want", "jbo": "job", "ojb": "job", "wrok": "work", "wokr": "work",
          "owrk": "work", "wrk": "work", "hlep": "help", "hepl": "help", "fnid": "find", "fidn": "find"}
_TYPO_WORDS = re.compile(r"\b(" + "|".join(_TYPOS) + r")\b")
# The two feature sets, as scikit-learn's TfidfVectorizer is configured in build_pipeline.
CHAR_NGRAMS = (2, 5)
WORD_NGRAMS = (1, 2)
WORD_TOKEN = r"(?u)\b\w+\b"
_WORD_TOKEN = re.compile(WORD_TOKEN)
_WHITE_SPACES = re.compile(r"\s\s+")


def load_examples(path: Path = NLU_FILE) -> list[tuple[str, str]]:
    """(text, intent) pairs from a Rasa NLU file, with entity annotations turned back into plain text."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    pairs = []
    for block in data.get("nlu", []):
        if "intent" not in block:
            continue
        for line in str(block["examples"]).splitlines():
            line = line.strip()
            if line.startswith("- "):
                pairs.append((_ANNOTATION.sub(r"\1", line[2:].strip()), block["intent"]))
    return pairs


def classifier_text(text: str) -> str:
    """The text as the classifier sees it: lower case, curly quotes straightened, a few transposed-letter
    typos put right, phone numbers, postcodes and other numbers replaced by placeholder words."""
    text = (text or "").lower().replace("\u2019", "'")
    text = _TYPO_WORDS.sub(lambda m: _TYPOS[m.group(1)], text)
    text = _PHONE_LIKE.sub(" phonenumber ", text)
    text = POSTCODE_PATTERN.sub(" postcodevalue ", text)
    return _NUMBER.sub(" numbervalue ", text)


def build_pipeline():
    """Char n-grams (robust to typos) plus words, into a linear SVM (scikit-learn, imported only to train)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    features = FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True,
                                  preprocessor=classifier_text)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=WORD_NGRAMS, sublinear_tf=True,
                                  preprocessor=classifier_text, token_pattern=WORD_TOKEN)),
    ])
    return Pipeline([("features", features), ("classifier", LinearSVC(C=1.0))])


def char_ngrams(text: str) -> list[str]:
    """The char_wb n-grams of already-preprocessed text, exactly as TfidfVectorizer(analyzer="char_wb") makes them."""
    low, high = CHAR_NGRAMS
    grams: list[str] = []
    append = grams.append
    for word in _WHITE_SPACES.sub(" ", text).split():
        word = f" {word} "
        length = len(word)
        for n in range(low, high + 1):
            offset = 0
            append(word[:n])
            while offset + n < length:
                offset += 1
                append(word[offset:offset + n])
            if offset == 0:  # a word shorter than n counts once
                break
    return grams


def word_ngrams(text: str) -> list[str]:
    """Word unigrams and bigrams of already-preprocessed text, as TfidfVectorizer(analyzer="word") makes them."""
    tokens = _WORD_TOKEN.findall(text)
    grams = list(tokens)
    for n in range(max(WORD_NGRAMS[0], 2), min(WORD_NGRAMS[1], len(tokens)) + 1):
        grams.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return grams


class IntentModel:
    """A trained intent classifier as plain arrays: n-gram vocabularies, IDF weights, SVM coefficients.

    ``scores`` computes what the scikit-learn pipeline's ``decision_function`` does (sublinear TF times
    IDF, L2-normalised per feature set, then a linear function per intent) with numpy only.
    """

    def __init__(self, intents: list[str], char_terms: list[str], word_terms: list[str], idf: np.ndarray,
                 coef: np.ndarray, intercept: np.ndarray):
        self.intents = intents
        self.char_index = dict(zip(char_terms, range(len(char_terms)), strict=True))
        offset = len(char_terms)
        self.word_index = dict(zip(word_terms, range(offset, offset + len(word_terms)), strict=True))
        self.char_terms, self.word_terms = char_terms, word_terms
        self.idf = idf              # (features,) float64, chars then words
        self.coef_t = coef          # (features, intents) float64: one row per feature
        self.intercept = intercept  # (intents,) float64

    def scores(self, text: str) -> np.ndarray:
        """The SVM margin for every intent (in ``self.intents`` order)."""
        clean = classifier_text(text)
        total = self.intercept.copy()
        for index, grams in ((self.char_index, char_ngrams(clean)), (self.word_index, word_ngrams(clean))):
            counts = Counter(index[g] for g in grams if g in index)
            if not counts:
                continue
            columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
            tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts))
            weights = tf * self.idf[columns]
            weights /= math.sqrt(float(weights @ weights))
            total += weights @ self.coef_t[columns]
        return total

    @classmethod
    def train(cls, examples: list[tuple[str, str]]) -> IntentModel:
        """Train with scikit-learn and take out its arrays."""
        texts = [t for t, _ in examples]
        pipeline = build_pipeline()
        pipeline.fit(texts, [i for _, i in examples])
        return cls.from_pipeline(pipeline, texts)

    @classmethod
    def from_pipeline(cls, pipeline, check_texts: list[str]) -> IntentModel:
        """The arrays of a fitted ``build_pipeline()``; refused unless they reproduce its scores on ``check_texts``."""
        chars, words = (v for _, v in pipeline.named_steps["features"].transformer_list)
        svm = pipeline.named_steps["classifier"]
        model = cls(
            intents=[str(c) for c in svm.classes_],
            char_terms=terms_in_column_order(chars.vocabulary_),
            word_terms=terms_in_column_order(words.vocabulary_),
            idf=np.concatenate([chars.idf_, words.idf_]).astype(np.float64),
            coef=np.ascontiguousarray(np.asarray(svm.coef_, dtype=np.float64).T),
            intercept=np.asarray(svm.intercept_, dtype=np.float64),
        )
        expected = pipeline.decision_function(check_texts)
        got = np.vstack([model.scores(t) for t in check_texts])
        if not np.allclose(got, expected, rtol=1e-9, atol=1e-9):
            raise RuntimeError("the exported intent model does not reproduce scikit-learn's scores")
        return model

    def save(self, path: Path) -> None:
        """Write atomically: a temporary file in the same directory, then a rename."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            os.fchmod(fd, 0o644)  # readable by the service's user when trained at build time by another
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, intents=packed(self.intents), char_terms=packed(self.char_terms),
                         word_terms=packed(self.word_terms), idf=self.idf, coef_t=self.coef_t,
                         intercept=self.intercept)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        """Read a file written by ``save`` (data only: ``allow_pickle=False``)."""
        with np.load(path, allow_pickle=False) as data:
            return cls(unpacked(data["intents"]), unpacked(data["char_terms"]), unpacked(data["word_terms"]),
                       data["idf"], data["coef_t"], data["intercept"])








class Interpreter:
    """Parses a message into Rasa's parse-data shape: text, intent, intent_ranking, entities."""

    def __init__(self, examples: list[tuple[str, str]] | None = None, *, model: IntentModel | None = None):
        if model is None:
            if examples is None:
                raise ValueError("give the training examples or a trained model")
            model = IntentModel.train(examples)
        self.model = model
        self.intents = model.intents

    def parse(self, text: str) -> dict[str, Any]:
        payload = _PAYLOAD.match(text or "")
        if payload:
            return self._parse_payload(text, payload)
        scores = self.model.scores(text or "")
        # A softmax over the SVM's margins: a confidence in [0, 1] that ranks like the margins.
        exp = np.exp(SOFTMAX_SCALE * (scores - scores.max()))
        probabilities = exp / exp.sum()
        ranking = sorted(zip(self.intents, probabilities, strict=True), key=lambda pair: -pair[1])
        return {
            "text": text,
            "intent": {"name": str(ranking[0][0]), "confidence": round(float(ranking[0][1]), 4)},
            "intent_ranking": [{"name": str(n), "confidence": round(float(c), 4)} for n, c in ranking[:5]],
            "entities": extract_entities(text or ""),
            "payload": False,
        }

    @staticmethod
    def _parse_payload(text: str, match: re.Match) -> dict[str, Any]:
        entities = []
        if match.group(2):
            try:
                values = json.loads(match.group(2))
            except ValueError:
                values = {}
            if isinstance(values, dict):
                entities = [{"entity": str(k), "value": v, "extractor": "payload"} for k, v in values.items()]
        intent = {"name": match.group(1), "confidence": 1.0}
        return {"text": text, "intent": intent, "intent_ranking": [intent], "entities": entities, "payload": True}


def extract_entities(text: str) -> list[dict[str, Any]]:
    """Age, postcode and phone, only where the words make them clear."""
    entities = []
    age = _AGE.search(text)
    if age:
        value = int(age.group(1) or age.group(2))
        if 0 <= value <= 120:
            entities.append({"entity": "age", "value": value, "extractor": "RegexEntityExtractor"})
    if POSTCODE_PATTERN.search(text):
        postcode = read_postcode(text)
        if postcode:
            entities.append({"entity": "postcode", "value": postcode, "extractor": "RegexEntityExtractor"})
    if _PHONE_HINT.search(text):
        phone = read_phone(text)
        if phone:
            entities.append({"entity": "phone", "value": phone, "extractor": "RegexEntityExtractor"})
    return entities


def cache_dir() -> Path:
    """Where trained models are kept: ``$NLU_CACHE_DIR``, else ``$VAR_DIR/nlu`` (``./var/nlu``)."""
    configured = os.environ.get("NLU_CACHE_DIR")
    return Path(configured) if configured else Path(os.environ.get("VAR_DIR") or "var") / "nlu"


def model_key(path: Path = NLU_FILE) -> str:
    """The cache key: a hash of the training examples, this code (and what it uses to read text) and scikit-learn's version."""
    digest = hashlib.sha256()
    for part in (path.read_bytes(), Path(__file__).read_bytes(), (BOT_DIR / "answers.py").read_bytes(),
                 f"format={MODEL_FORMAT};scikit-learn={_sklearn_version()}".encode()):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:32]


def _sklearn_version() -> str:
    try:
        return metadata.version("scikit-learn")
    except metadata.PackageNotFoundError:
        return "none"


def cached_model(path: Path = NLU_FILE, directory: Path | None = None) -> tuple[IntentModel, Path, bool]:
    """(model, its file, whether it was trained now): loaded from the cache, else trained and saved there.

    If the cache cannot be written (a read-only directory), the freshly trained model is still returned.
    """
    directory = directory or cache_dir()
    file = directory / f"intents-{model_key(path)}.npz"
    if file.is_file():
        try:
            return IntentModel.load(file), file, False
        except (OSError, ValueError, KeyError) as error:  # damaged or foreign: train again and replace it
            log.warning("nlu_cache_unreadable", extra={"error": type(error).__name__})
    model = IntentModel.train(load_examples(path))
    try:
        model.save(file)
        for stale in directory.glob("intents-*.npz"):  # models of earlier examples or code: never loaded again
            if stale != file:
                stale.unlink(missing_ok=True)
        log.info("nlu_model_trained", extra={"examples_sha256": hashlib.sha256(path.read_bytes()).hexdigest()[:12]})
    except OSError as error:
        log.warning("nlu_cache_not_written", extra={"error": type(error).__name__})
    return model, file, True


@lru_cache(maxsize=4)
def _interpreter(key: str, path: str, directory: str | None) -> Interpreter:
    model, _, _ = cached_model(Path(path), Path(directory) if directory else None)
    return Interpreter(model=model)


def default_interpreter(path: Path = NLU_FILE) -> Interpreter:
    """The interpreter for ``path``: from the on-disk cache, trained only when the examples or code changed."""
    return _interpreter(model_key(path), str(path), os.environ.get("NLU_CACHE_DIR"))


def main() -> None:
    """``python -m bot.engine``: train the model if the cache has none for the current examples."""
    model, file, trained = cached_model()
    print(f"NLU model {'trained and saved to' if trained else 'already cached at'} {file} "
          f"({len(model.intents)} intents, {len(model.idf):,} features)")

