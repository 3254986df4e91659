"""Conditions as data, compiled once into small objects evaluated with Kleene three-valued logic.

A condition is either a test of one fact::

    {fact: age, op: at_least, value: 18}
    {fact: age, op: at_least, value: {setting: minimum_age}}

or a combination: ``{all: [...]}`` / ``{any: [...]}``. Evaluating gives ``True``, ``False`` or
``None`` (unknown) together with the facts whose absence made it unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import RulesError
from .vocabulary import FACT_TYPES, Vocabulary

Result = tuple[bool | None, frozenset[str]]
_NONE: frozenset[str] = frozenset()

# Which operators each fact type allows.
OPERATORS = {
    "is": {"boolean", "integer", "enum", "string", "postcode"},
    "in": {"enum", "string", "postcode"},
    "includes_any": {"enum_list"},
    "at_least": {"integer"},
    "at_most": {"integer"},
    "between": {"integer"},
    "is_unknown": FACT_TYPES,
}


class Setting:
    """A value taken from the local settings of an area (e.g. the minimum age)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def resolve(self, settings: Mapping[str, Any]) -> Any:
        return settings[self.name]


def _resolve(value: Any, settings: Mapping[str, Any]) -> Any:
    return value.resolve(settings) if isinstance(value, Setting) else value


class FactTest:
    __slots__ = ("fact", "op", "value", "facts")

    def __init__(self, fact: str, op: str, value: Any):
        self.fact = fact
        self.op = op
        self.value = value
        self.facts = frozenset({fact})

    def evaluate(self, facts: Mapping[str, Any], settings: Mapping[str, Any]) -> Result:
        given = facts.get(self.fact)
        if self.op == "is_unknown":
            return given is None, _NONE
        if given is None:
            return None, self.facts
        op = self.op
        if op == "is":
            return given == _resolve(self.value, settings), _NONE
        if op == "in":
            return given in _resolve(self.value, settings), _NONE
        if op == "includes_any":
            wanted = _resolve(self.value, settings)
            return any(item in wanted for item in given), _NONE
        if op == "at_least":
            return given >= _resolve(self.value, settings), _NONE
        if op == "at_most":
            return given <= _resolve(self.value, settings), _NONE
        low, high = self.value
        return _resolve(low, settings) <= given <= _resolve(high, settings), _NONE

    def settings_used(self) -> set[str]:
        values = self.value if isinstance(self.value, list) else [self.value]
        return {v.name for v in values if isinstance(v, Setting)}


class AllOf:
    """Kleene AND: false if any part is false; else unknown if any part is unknown; else true.

    When unknown, the missing facts are those of the *first* unknown part: parts are written in the
    order they would be asked, so a follow-up question (``reached_state_pension_age``, which matters
    only at 66) is never asked before the question that makes it matter (``age``).
    """

    __slots__ = ("parts", "facts")

    def __init__(self, parts: list):
        self.parts = parts
        self.facts = frozenset().union(*(p.facts for p in parts))

    def evaluate(self, facts: Mapping[str, Any], settings: Mapping[str, Any]) -> Result:
        unknown: frozenset[str] | None = None
        for part in self.parts:
            value, missing = part.evaluate(facts, settings)
            if value is False:
                return False, _NONE
            if value is None and unknown is None:
                unknown = missing
        return (None, unknown) if unknown is not None else (True, _NONE)

    def settings_used(self) -> set[str]:
        return set().union(*(p.settings_used() for p in self.parts))


class AnyOf:
    """Kleene OR: true if any part is true; else unknown if any part is unknown; else false."""

    __slots__ = ("parts", "facts")

    def __init__(self, parts: list):
        self.parts = parts
        self.facts = frozenset().union(*(p.facts for p in parts))

    def evaluate(self, facts: Mapping[str, Any], settings: Mapping[str, Any]) -> Result:
        unknown: set[str] = set()
        for part in self.parts:
            value, missing = part.evaluate(facts, settings)
            if value is True:
                return True, _NONE
            if value is None:
                unknown |= missing
        return (None, frozenset(unknown)) if unknown else (False, _NONE)

    def settings_used(self) -> set[str]:
        return set().union(*(p.settings_used() for p in self.parts))


def compile_condition(
    spec: Any, vocabulary: Vocabulary, settings: Mapping[str, Any], file: str, key: str
) -> FactTest | AllOf | AnyOf:
    """Compile a condition, refusing any unknown fact, operator, setting or value."""
    if not isinstance(spec, dict):
        raise RulesError(file, key, "a condition must be a mapping")
    if "all" in spec or "any" in spec:
        kind = "all" if "all" in spec else "any"
        if set(spec) != {kind}:
            raise RulesError(file, key, f"'{kind}' must stand alone, found keys {sorted(spec)}")
        parts = spec[kind]
        if not isinstance(parts, list) or not parts:
            raise RulesError(file, f"{key}.{kind}", "must be a non-empty list of conditions")
        compiled = [
            compile_condition(part, vocabulary, settings, file, f"{key}.{kind}[{i}]")
            for i, part in enumerate(parts)
        ]
        return AllOf(compiled) if kind == "all" else AnyOf(compiled)

    allowed = {"fact", "op", "value"}
    unknown_keys = set(spec) - allowed
    if unknown_keys:
        raise RulesError(file, f"{key}.{sorted(unknown_keys)[0]}", "unknown key; allowed: fact, op, value")
    fact_name = spec.get("fact")
    if fact_name not in vocabulary:
        raise RulesError(file, f"{key}.fact", f"unknown fact {fact_name!r}")
    fact = vocabulary[fact_name]
    op = spec.get("op")
    if op not in OPERATORS:
        raise RulesError(file, f"{key}.op", f"unknown operator {op!r}; allowed: {', '.join(OPERATORS)}")
    if fact.type not in OPERATORS[op]:
        raise RulesError(file, f"{key}.op", f"operator {op!r} does not apply to {fact.type} fact {fact_name!r}")
    if op == "is_unknown":
        if "value" in spec:
            raise RulesError(file, f"{key}.value", "is_unknown takes no value")
        return FactTest(fact_name, op, None)
    if "value" not in spec:
        raise RulesError(file, f"{key}.value", "missing value")
    value = _compile_value(spec["value"], op, fact, settings, file, f"{key}.value")
    return FactTest(fact_name, op, value)


def _compile_value(raw: Any, op: str, fact, settings: Mapping[str, Any], file: str, key: str) -> Any:
    def one(item: Any, item_key: str) -> Any:
        if isinstance(item, dict):
            if set(item) != {"setting"}:
                raise RulesError(file, item_key, "a value mapping must be {setting: NAME}")
            name = item["setting"]
            if name not in settings:
                raise RulesError(file, item_key, f"unknown setting {name!r}")
            item = settings[name]
            _check_literal(item, fact, file, item_key)
            return Setting(name)
        _check_literal(item, fact, file, item_key)
        return item

    if op in {"in", "includes_any"}:
        if not isinstance(raw, list) or not raw:
            raise RulesError(file, key, f"operator {op!r} needs a non-empty list")
        if any(isinstance(v, dict) for v in raw):
            raise RulesError(file, key, f"operator {op!r} takes a list of values, not settings")
        return frozenset(one(v, f"{key}[{i}]") for i, v in enumerate(raw))
    if op == "between":
        if not isinstance(raw, list) or len(raw) != 2:
            raise RulesError(file, key, "operator 'between' needs [low, high]")
        return [one(v, f"{key}[{i}]") for i, v in enumerate(raw)]
    return one(raw, key)


def _check_literal(value: Any, fact, file: str, key: str) -> None:
    if fact.type == "enum_list":
        if value not in fact.values:
            raise RulesError(file, key, f"unknown value {value!r} for {fact.name}; allowed: {', '.join(fact.values)}")
        return
    try:
        fact.check(value)
    except ValueError as error:
        raise RulesError(file, key, f"bad value {value!r} for {fact.name}: {error}") from None
