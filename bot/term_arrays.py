"""Vocabularies as plain arrays: how the NLU model and the risk classifier keep their n-gram terms on disk.

Both are saved as ``.npz`` files loaded with ``allow_pickle=False`` (data only, never code), so a list of
terms is stored as one UTF-8 buffer: n-grams never contain a newline (text is split on whitespace first).
"""

from __future__ import annotations

import numpy as np


def terms_in_column_order(vocabulary: dict[str, int]) -> list[str]:
    """A fitted vectoriser's ``vocabulary_`` ({term: column}) as a list indexed by column."""
    terms = [""] * len(vocabulary)
    for term, column in vocabulary.items():
        terms[column] = term
    return terms


def packed(terms: list[str]) -> np.ndarray:
    """Terms as one newline-joined UTF-8 buffer (a uint8 array ``np.savez`` keeps without pickling)."""
    return np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)


def unpacked(buffer: np.ndarray) -> list[str]:
    """The terms ``packed`` stored."""
    return buffer.tobytes().decode("utf-8").split("\n")
