"""Strict checks for YAML structure, so that a mistyped key is an error, never a silent no-match."""

from __future__ import annotations

import re
from typing import Any

from .errors import RulesError


def expect_type(value: Any, kind: type | tuple[type, ...], file: str, key: str) -> Any:
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise RulesError(file, key or "(top level)", f"expected {names}, found {type(value).__name__}")
    return value


def expect_keys(
    mapping: Any, file: str, key: str, required: set[str], optional: set[str] = frozenset()
) -> dict:
    expect_type(mapping, dict, file, key)
    missing = required - mapping.keys()
    if missing:
        raise RulesError(file, key or "(top level)", f"missing key(s): {', '.join(sorted(missing))}")
    unknown = mapping.keys() - required - optional
    if unknown:
        allowed = ", ".join(sorted(required | optional))
        raise RulesError(
            file, f"{key}.{sorted(unknown)[0]}" if key else sorted(unknown)[0], f"unknown key; allowed: {allowed}"
        )
    return mapping


# Words that address the person; clinician wording speaks about "the patient" instead (/check).
_ADDRESSES_THE_PERSON = re.compile(r"\b(you|your|yours|yourself|you're|you've|you'll)\b", re.IGNORECASE)


def expect_clinician_wording(text: Any, file: str, key: str) -> str:
    """Non-empty text that speaks to a clinician about their patient: never "you" or "your"."""
    if not isinstance(text, str) or not text.strip():
        raise RulesError(file, key, "must be non-empty text")
    found = _ADDRESSES_THE_PERSON.search(text)
    if found:
        raise RulesError(file, key, f"clinician wording speaks about the patient, not to them (found {found.group(0)!r})")
    return text
