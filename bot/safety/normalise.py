"""Normalisation before any risk matching: one canonical form for what people type.

Lower case; curly quotes straightened; "I'll" -> "i will"; apostrophes dropped ("can't" -> "cant");
sentence and clause ends (. , ! ? ; : new line) kept as a break token so that a phrase never spans two sentences;
other punctuation made a space; letters typed three or more times squeezed to one ("dieeee" -> "die");
then text-speak, slang and misspellings mapped through spellings.yml ("wanna" -> "want to",
"dont" -> "do not", "myslef" -> "myself", "kms" stays "kms" and is a risk word of its own).

The same function normalises the phrases in risk_phrases.yml and idioms.yml, so a reviewer may write
"don't want to live" or "dont want to live" and both mean the same.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

SPELLINGS_FILE = Path(__file__).with_name("spellings.yml")
BREAK = "."
# A message longer than this is cut before matching: a risk statement in a very long paste is still
# found in its first part, and matching time stays bounded (an SMS is at most 1,600 characters).
MAX_CHARS = 4000

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'",
                         "\u201c": '"', "\u201d": '"'})
# Contractions whose apostrophe-free form is another word ("ill", "well", "wed", "shed", "hell").
_APOSTROPHE_FORMS = [(re.compile(r"\b(i|you|he|she|we|they|it)'ll\b"), r"\1 will"),
                     (re.compile(r"\b(we|he|she|they)'d\b"), r"\1 would"),
                     (re.compile(r"\b(he|she|it)'s\b"), r"\1 is"),
                     (re.compile(r"\bwe're\b"), "we are"),
                     (re.compile(r"\bo\.?d'(?:d|ed)\b"), "overdosed")]
_BREAKS = re.compile(r"[.,!?;:\n\r]+")
_NOT_WORD = re.compile(r"[^a-z0-9.]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_NUMBER = re.compile(r"^\d+$")


class Spellings:
    """The variant -> canonical words table, longest variants first."""

    def __init__(self, data: dict):
        self.table: dict[tuple[str, ...], tuple[str, ...]] = {}
        for canonical, variants in (data or {}).items():
            target = tuple(_raw_tokens(str(canonical)))
            for variant in variants or []:
                key = tuple(_raw_tokens(str(variant)))
                if not key:
                    raise ValueError(f"spellings.yml: empty variant under {canonical!r}")
                if key in self.table and self.table[key] != target:
                    raise ValueError(f"spellings.yml: {' '.join(key)!r} is mapped to two different words")
                self.table[key] = target
        self.longest = max((len(k) for k in self.table), default=1)

    def apply(self, tokens: list[str]) -> list[str]:
        """Replace each known variant (several words first) by its canonical words."""
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self.longest, len(tokens) - i), 0, -1):
                key = tuple(tokens[i:i + size])
                target = self.table.get(key)
                if target is not None:
                    out.extend(target)
                    i += size
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _raw_tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii") \
        if not text.isascii() else text
    text = _CAMEL.sub(" ", text).lower()  # "IwantToDie" -> "iwant to die"; "iPhone" -> "i phone" (harmless)
    for pattern, replacement in _APOSTROPHE_FORMS:
        text = pattern.sub(replacement, text)
    text = text.replace("'", "").replace('"', " ")
    text = _BREAKS.sub(f" {BREAK} ", text)
    text = _NOT_WORD.sub(" ", text)
    tokens = []
    for token in text.split():
        if token != BREAK and "." in token:
            tokens.extend(t for t in token.split(".") if t)
            continue
        tokens.append(_REPEATS.sub(r"\1", token))
    return tokens


@lru_cache(maxsize=1)
def default_spellings() -> Spellings:
    """The shipped spellings table, loaded once."""
    return Spellings(yaml.load(SPELLINGS_FILE.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def normalise(text: str | None, spellings: Spellings | None = None) -> list[str]:
    """The canonical words of ``text`` (with ``BREAK`` tokens between sentences)."""
    if not text:
        return []
    text = text[:MAX_CHARS].translate(_QUOTES)
    tokens = (spellings or default_spellings()).apply(_raw_tokens(text))
    # Collapse runs of breaks and drop leading/trailing ones.
    out: list[str] = []
    for token in tokens:
        if token == BREAK and (not out or out[-1] == BREAK):
            continue
        out.append(token)
    while out and out[-1] == BREAK:
        out.pop()
    return out


def is_number(token: str) -> bool:
    """A token made of digits only (a count of tablets, an age)."""
    return bool(_NUMBER.match(token))
