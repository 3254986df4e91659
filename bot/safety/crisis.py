"""Risk detection: does this message say the person may be at risk? (Err towards yes.)

The phrases are data (risk_phrases.yml), reviewable by clinicians; this module only matches them,
generously: stems, common misspellings, one or two typos, and a few words in between.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

PHRASES_FILE = Path(__file__).with_name("risk_phrases.yml")
MAX_GAP = 3


@dataclass(frozen=True)
class RiskMatch:
    """Why a message was flagged: the category and the phrase that matched."""

    category: str
    phrase: str


@dataclass(frozen=True)
class _Pattern:
    category: str
    text: str
    words: tuple[str, ...]


class RiskPhrases:
    """The compiled phrase list."""

    def __init__(self, data: dict):
        self.spellings: dict[tuple[str, ...], str] = {}
        for canonical, variants in (data.get("spellings") or {}).items():
            for variant in variants:
                self.spellings[tuple(_tokens(str(variant)))] = str(canonical)
        self.longest_spelling = max((len(k) for k in self.spellings), default=1)
        self.patterns: list[_Pattern] = []
        for word in data.get("words") or []:
            self.patterns.append(_Pattern("risk_word", str(word), (_clean_word(str(word)),)))
        for category, phrases in (data.get("phrases") or {}).items():
            for phrase in phrases:
                words = tuple(self._canonical_word(_clean_word(w)) for w in str(phrase).split())
                self.patterns.append(_Pattern(str(category), str(phrase), words))

    def _canonical_word(self, word: str) -> str:
        return word if word.endswith("*") else self.spellings.get((word,), word)

    def canonical_tokens(self, text: str) -> list[str]:
        tokens = _tokens(text)
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self.longest_spelling, len(tokens) - i), 0, -1):
                key = tuple(tokens[i:i + size])
                if key in self.spellings:
                    out.append(self.spellings[key])
                    i += size
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out

    def match(self, text: str) -> RiskMatch | None:
        tokens = self.canonical_tokens(text)
        if not tokens:
            return None
        for pattern in self.patterns:
            if _matches_in_order(pattern.words, tokens):
                return RiskMatch(pattern.category, pattern.text)
        return None


def _clean_word(word: str) -> str:
    star = word.endswith("*")
    core = re.sub(r"[^a-z0-9]", "", word.lower())
    return core + ("*" if star else "")


def _tokens(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "'").replace("`", "'")
    text = text.replace("'", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r"([a-z])\1{2,}", r"\1\1", text)
    return text.split()


def _matches_in_order(words: tuple[str, ...], tokens: list[str]) -> bool:
    for start, token in enumerate(tokens):
        if _word_matches(words[0], token) and _rest_matches(words[1:], tokens, start + 1):
            return True
    return False


def _rest_matches(words: tuple[str, ...], tokens: list[str], position: int) -> bool:
    if not words:
        return True
    for offset in range(position, min(len(tokens), position + MAX_GAP + 1)):
        if _word_matches(words[0], tokens[offset]) and _rest_matches(words[1:], tokens, offset + 1):
            return True
    return False


def _word_matches(word: str, token: str) -> bool:
    if word.endswith("*"):
        stem = word[:-1]
        if token.startswith(stem):
            return True
        if len(stem) < 6:
            return False
        allowed = 1 if len(stem) < 8 else 2
        return any(_distance(stem, token[:size]) <= allowed for size in (len(stem) - 1, len(stem), len(stem) + 1)
                   if size <= len(token))
    if token == word:
        return True
    if len(word) < 5 or abs(len(word) - len(token)) > 2:
        return False
    allowed = 1 if len(word) < 9 else 2
    return _distance(word, token) <= allowed


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment): a swap of two letters is one typo."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


@lru_cache(maxsize=1)
def default_phrases() -> RiskPhrases:
    """The shipped phrase list, loaded once."""
    return RiskPhrases(yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8")))


def detect_risk(text: str | None) -> RiskMatch | None:
    """Return why ``text`` suggests risk to the person or others, or None."""
    if not text:
        return None
    return default_phrases().match(text[:4000])
