"""The fact vocabulary (facts.yaml): names, types, allowed values, questions, implications."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import RulesError
from .postcodes import InvalidPostcode, normalise_postcode
from .strict import expect_clinician_wording, expect_keys, expect_type
from .yaml_files import read_yaml

FACT_TYPES = {"integer", "boolean", "enum", "enum_list", "postcode", "string"}


@dataclass(frozen=True)
class Fact:
    name: str
    type: str
    label: str
    values: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    question: str | None = None
    # The same question as a clinician asks it about their patient (/check's "Next question to ask").
    clinician_question: str | None = None
    ask_order: int = 1000
    never_excludes: bool = False
    value_labels: dict[str, str] = field(default_factory=dict)
    # The person's wording (the chat, the self-referral form); see the head of facts.yaml.
    help: str | None = None
    hint: str | None = None
    chat_hint: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    unsure: str | None = None
    summary_label: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def label_of(self, value: str) -> str:
        """Plain-English label of an enum value (falls back to the value, made readable)."""
        return self.value_labels.get(value) or value.replace("_", " ").capitalize()

    def answer_label(self, value: Any) -> str:
        """The person's own label for a value (``True``/``False`` for booleans), as the chat and the form show it."""
        if self.type == "boolean":
            value = "yes" if value else "no"
        return self.answers.get(str(value)) or self.label_of(str(value))

    def choices(self) -> list[tuple[str, str]]:
        """The person's choices in order, as (value, label): yes/no for booleans, the values for enums."""
        values = ("yes", "no") if self.type == "boolean" else self.values
        if self.answers and self.type != "boolean":
            values = tuple(v for v in self.answers if v in self.values) + tuple(v for v in self.values if v not in self.answers)
        return [(v, self.answers.get(v) or self.label_of(v)) for v in values]

    def error(self, kind: str) -> str:
        """The message for a missing (``required``), unreadable (``invalid``) or out-of-range answer."""
        return self.errors.get(kind) or self.errors.get("invalid") or self.errors.get("required") or f"Answer: {self.question}"

    def check(self, value: Any) -> Any:
        """Return the clean value, or raise ValueError saying why it is not acceptable."""
        if self.type == "boolean":
            if not isinstance(value, bool):
                raise ValueError("Must be true or false.")
            return value
        if self.type == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError("Must be a whole number.")
            if self.minimum is not None and value < self.minimum:
                raise ValueError(f"Must be {self.minimum} or more.")
            if self.maximum is not None and value > self.maximum:
                raise ValueError(f"Must be {self.maximum} or less.")
            return value
        if self.type == "enum":
            if value not in self.values:
                raise ValueError(f"Must be one of: {', '.join(self.values)}.")
            return value
        if self.type == "enum_list":
            if not isinstance(value, list | tuple):
                raise ValueError("Must be a list.")
            bad = [v for v in value if v not in self.values]
            if bad:
                raise ValueError(f"Unknown value(s) {bad}; must be from: {', '.join(self.values)}.")
            return tuple(dict.fromkeys(value))
        if self.type == "postcode":
            try:
                return normalise_postcode(value)
            except InvalidPostcode as error:
                raise ValueError(str(error)) from None
        if not isinstance(value, str):
            raise ValueError("Must be text.")
        return value


@dataclass(frozen=True)
class Vocabulary:
    facts: dict[str, Fact]

    def __contains__(self, name: str) -> bool:
        return name in self.facts

    def __getitem__(self, name: str) -> Fact:
        return self.facts[name]

    def clean(self, raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """Check a dict of facts. Returns (clean facts, errors by fact). None means unknown."""
        clean: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for name, value in raw.items():
            fact = self.facts.get(name)
            if fact is None:
                errors[name] = ["Unknown fact."]
                continue
            if value is None:
                continue
            try:
                clean[name] = fact.check(value)
            except ValueError as error:
                errors[name] = [str(error)]
        return clean, errors


def load_vocabulary(path: Path) -> Vocabulary:
    """Load facts.yaml strictly: any unknown key, type or value is a RulesError naming it."""
    where = path.name
    data = read_yaml(path)
    expect_keys(data, where, "", required={"facts"})
    facts: dict[str, Fact] = {}
    for name, spec in expect_type(data["facts"], dict, where, "facts").items():
        key = f"facts.{name}"
        expect_keys(
            spec,
            where,
            key,
            required={"type", "label"},
            optional={"values", "value_labels", "minimum", "maximum", "question", "clinician_question", "ask_order",
                      "never_excludes", *WORDING_KEYS},
        )
        if spec["type"] not in FACT_TYPES:
            raise RulesError(where, f"{key}.type", f"unknown type {spec['type']!r}")
        values = tuple(str(v) for v in spec.get("values", ()))
        if spec["type"] in {"enum", "enum_list"} and not values:
            raise RulesError(where, f"{key}.values", "an enum needs its values")
        facts[name] = Fact(
            name=name,
            type=spec["type"],
            label=spec["label"],
            values=values,
            minimum=spec.get("minimum"),
            maximum=spec.get("maximum"),
            question=spec.get("question"),
            clinician_question=_clinician_question(spec, where, key),
            ask_order=int(spec.get("ask_order", 1000)),
            never_excludes=bool(spec.get("never_excludes", False)),
            value_labels=_value_labels(spec, values, where, key),
            **_wording(spec, values, where, key),
        )
    return Vocabulary(facts)


WORDING_KEYS = {"help", "hint", "chat_hint", "answers", "unsure", "summary_label", "errors"}
ERROR_KINDS = {"required", "invalid", "range", "unknown"}


def _wording(spec: dict, values: tuple[str, ...], where: str, key: str) -> dict[str, Any]:
    """The person's wording of a fact, checked: answers only for values the fact has, known error kinds."""
    wording: dict[str, Any] = {}
    for name in ("help", "hint", "chat_hint", "unsure", "summary_label"):
        if name in spec:
            if not isinstance(spec[name], str) or not spec[name].strip():
                raise RulesError(where, f"{key}.{name}", "must be non-empty text")
            wording[name] = spec[name]
    answers = expect_type(spec.get("answers") or {}, dict, where, f"{key}.answers")
    allowed = {"yes", "no"} if spec["type"] == "boolean" else set(values)
    for value, label in answers.items():
        if str(value) not in allowed:
            raise RulesError(where, f"{key}.answers.{value}", f"not a value of this fact; allowed: {', '.join(sorted(allowed))}")
        if not isinstance(label, str) or not label.strip():
            raise RulesError(where, f"{key}.answers.{value}", "must be non-empty text")
    wording["answers"] = {str(k): v for k, v in answers.items()}
    errors = expect_type(spec.get("errors") or {}, dict, where, f"{key}.errors")
    for kind in errors:
        if kind not in ERROR_KINDS:
            raise RulesError(where, f"{key}.errors.{kind}", f"unknown kind; allowed: {', '.join(sorted(ERROR_KINDS))}")
    wording["errors"] = dict(errors)
    return wording


def _clinician_question(spec: dict, where: str, key: str) -> str | None:
    """The clinician's form of the question: required beside the person's question (and only there), and
    never "you"/"your"."""
    if "clinician_question" not in spec:
        if spec.get("question"):
            raise RulesError(where, f"{key}.clinician_question",
                             "a fact with a question needs the clinician's form of it too (for /check)")
        return None
    if not spec.get("question"):
        raise RulesError(where, f"{key}.clinician_question", "a clinician question needs the person's question beside it")
    return expect_clinician_wording(spec["clinician_question"], where, f"{key}.clinician_question")


def _value_labels(spec: dict, values: tuple[str, ...], where: str, key: str) -> dict[str, str]:
    labels = spec.get("value_labels") or {}
    unknown = sorted(set(labels) - set(values))
    if unknown:
        raise RulesError(where, f"{key}.value_labels.{unknown[0]}", "a label for a value the fact does not have")
    return {str(k): str(v) for k, v in labels.items()}
