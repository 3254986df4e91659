"""NLU: intents from a char n-gram classifier trained on bot/data/nlu.yml, entities from patterns.

Training takes well under a second on the shipped examples; the trained model is cached per process
(keyed by the examples' content), so the app and the tests train it once.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from .. import BOT_DIR
from ..answers import POSTCODE_PATTERN, read_phone, read_postcode

NLU_FILE = BOT_DIR / "data" / "nlu.yml"
SOFTMAX_SCALE = 4.0
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
    """The text as the classifier sees it: lower case, curly quotes straightened, phone numbers,
    postcodes and other numbers replaced by placeholder words."""
    text = (text or "").lower().replace("\u2019", "'")
    text = _PHONE_LIKE.sub(" phonenumber ", text)
    text = POSTCODE_PATTERN.sub(" postcodevalue ", text)
    return _NUMBER.sub(" numbervalue ", text)


def build_pipeline() -> Pipeline:
    """Char n-grams (robust to typos) plus words, into a linear SVM (trains in well under a second)."""
    features = FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                  preprocessor=classifier_text)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                  preprocessor=classifier_text, token_pattern=r"(?u)\b\w+\b")),
    ])
    return Pipeline([("features", features), ("classifier", LinearSVC(C=1.0))])


class Interpreter:
    """Parses a message into Rasa's parse-data shape: text, intent, intent_ranking, entities."""

    def __init__(self, examples: list[tuple[str, str]]):
        self.pipeline = build_pipeline()
        self.pipeline.fit([t for t, _ in examples], [i for _, i in examples])
        self.intents = list(self.pipeline.classes_)

    def parse(self, text: str) -> dict[str, Any]:
        payload = _PAYLOAD.match(text or "")
        if payload:
            return self._parse_payload(text, payload)
        scores = self.pipeline.decision_function([text or ""])[0]
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


@lru_cache(maxsize=4)
def _trained(digest: str, path: str) -> Interpreter:
    return Interpreter(load_examples(Path(path)))


def default_interpreter(path: Path = NLU_FILE) -> Interpreter:
    """The interpreter trained on ``path``; trained once per process for the same examples."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return _trained(digest, str(path))
