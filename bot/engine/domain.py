"""The Rasa domain (bot/domain.yml): loaded once, and bot responses rendered from it."""

from __future__ import annotations

import json
import string
from functools import lru_cache
from typing import Any

import yaml

from .. import BOT_DIR

DOMAIN_FILE = BOT_DIR / "domain.yml"


@lru_cache(maxsize=1)
def load_domain() -> dict[str, Any]:
    """The domain as the dict Rasa sends to an action server, with each fact's question taken from
    the rules' vocabulary (rules/facts.yaml): the wording is written once (tests check domain.yml agrees)."""
    # libyaml's C parser when available: the pure-Python one takes most of a start on this file.
    domain = yaml.load(DOMAIN_FILE.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    domain["responses"].update(questions_from_rules())
    return domain


def _payload(intent: str, fact: str, value: Any) -> str:
    return f"/{intent}" + json.dumps({fact: value})


def question_response(fact: Any) -> dict[str, Any]:
    """utter_ask_<fact> from a rules Fact: question, help and the chat's hint; its answers as buttons."""
    hint = getattr(fact, "chat_hint", None) or getattr(fact, "hint", None)
    text = " ".join(part.strip() for part in (fact.question, getattr(fact, "help", None), hint) if part)
    buttons: list[dict[str, str]] = []
    if fact.type == "boolean":
        buttons = [{"title": fact.answer_label(True), "payload": _payload("affirm", fact.name, True)},
                   {"title": fact.answer_label(False), "payload": _payload("deny", fact.name, False)}]
    elif fact.type in ("enum", "enum_list"):
        buttons = [{"title": label, "payload": _payload("inform", fact.name, [value] if fact.type == "enum_list" else value)}
                   for value, label in fact.choices()]
    if buttons and getattr(fact, "unsure", None):
        buttons.append({"title": fact.unsure, "payload": "/dont_know"})
    response: dict[str, Any] = {"text": text}
    if buttons:
        response["buttons"] = buttons
    if fact.type == "enum_list":
        # The web chat shows these as tick boxes: several can be chosen at once.
        response["custom"] = {"kind": "multiple_choice", "fact": fact.name, "none_value": "none"}
    return response


def questions_from_rules() -> dict[str, list[dict[str, Any]]]:
    """The question for every fact the eligibility form asks, from rules/facts.yaml."""
    from rules import default_engine

    from ..questions import FORM_FACTS

    vocabulary = default_engine().vocabulary
    responses = {f"utter_ask_{name}": [question_response(vocabulary[name])]
                 for name in FORM_FACTS if name in vocabulary and vocabulary[name].question}
    # What to say when a typed age or postcode cannot be read: the same words as the form's error.
    for name in ("age", "postcode"):
        invalid = (getattr(vocabulary[name], "errors", None) or {}).get("invalid") if name in vocabulary else None
        if invalid:
            responses[f"utter_invalid_{name}"] = [{"text": invalid.rstrip(".") + "."}]
    out_of_range = (getattr(vocabulary["age"], "errors", None) or {}).get("range") if "age" in vocabulary else None
    if out_of_range:
        responses["utter_invalid_age_range"] = [{"text": out_of_range.rstrip(".") + "."}]
    return responses


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "the service"


def _fill(template: str, values: dict[str, Any]) -> str:
    formatter = string.Formatter()
    try:
        return formatter.vformat(template, (), _Blank({k: v for k, v in values.items() if v is not None}))
    except (ValueError, IndexError, KeyError):
        return template


def render(message: dict[str, Any], slots: dict[str, Any], domain: dict[str, Any]) -> dict[str, Any]:
    """Turn a dispatcher message (text/buttons, or a named response) into {"text", "buttons"}."""
    name = message.get("response") or message.get("template")
    text = message.get("text") or ""
    buttons = list(message.get("buttons") or [])
    if name:
        variants = (domain.get("responses") or {}).get(name) or [{"text": name}]
        template = variants[0]
        values = {**slots, **{k: v for k, v in message.items() if k not in ("text", "buttons", "response")}}
        text = _fill(str(template.get("text", "")), values)
        buttons = list(template.get("buttons") or buttons)
    rendered: dict[str, Any] = {"text": text, "buttons": [{"title": str(b["title"]), "payload": str(b["payload"])}
                                                          for b in buttons]}
    custom = message.get("custom") or message.get("json_message")
    if name and not custom:
        custom = template.get("custom")
    if custom:
        rendered["custom"] = dict(custom)
    return rendered


def domain_questions_yaml(name: str, response: dict[str, Any]) -> list[str]:
    """domain.yml lines for one generated question (``python -m bot.engine.domain`` rewrites them)."""
    lines = [f"  {name}:"]
    if "custom" in response:
        lines += ["    - custom: " + json.dumps(response["custom"]), "      text: " + json.dumps(response["text"])]
    else:
        lines.append("    - text: " + json.dumps(response["text"]))
    if response.get("buttons"):
        lines.append("      buttons:")
        for button in response["buttons"]:
            lines.append("        - title: " + json.dumps(button["title"]))
            lines.append("          payload: " + json.dumps(button["payload"]))
    return lines


def sync_domain_file() -> bool:
    """Rewrite domain.yml's utter_ask_<fact> blocks from rules/facts.yaml (for a Rasa server, which reads
    domain.yml itself). Returns True when the file changed."""
    import re

    generated = questions_from_rules()
    lines = DOMAIN_FILE.read_text(encoding="utf-8").split("\n")
    out: list[str] = []
    seen: set[str] = set()
    index = 0
    while index < len(lines):
        match = re.match(r"^  (utter_(?:ask|invalid)_\w+):$", lines[index])
        if match and match.group(1) in generated:
            seen.add(match.group(1))
            out += domain_questions_yaml(match.group(1), generated[match.group(1)][0])
            index += 1
            while index < len(lines) and lines[index].startswith("    "):
                index += 1
            continue
        out.append(lines[index])
        index += 1
    text = "\n".join(out)
    for name in generated:
        if name not in seen:
            block = "\n".join(domain_questions_yaml(name, generated[name][0]))
            text = text.replace("  utter_invalid_yes_no:", block + "\n  utter_invalid_yes_no:", 1)
    changed = text != DOMAIN_FILE.read_text(encoding="utf-8")
    if changed:
        DOMAIN_FILE.write_text(text, encoding="utf-8")
    return changed


if __name__ == "__main__":  # python -m bot.engine.domain: bring domain.yml's questions in line with facts.yaml
    print("domain.yml updated" if sync_domain_file() else "domain.yml already agrees with rules/facts.yaml")
