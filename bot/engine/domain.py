"""The Rasa domain (bot/domain.yml): loaded once, and bot responses rendered from it."""

from __future__ import annotations

import string
from functools import lru_cache
from typing import Any

import yaml

from .. import BOT_DIR

DOMAIN_FILE = BOT_DIR / "domain.yml"


@lru_cache(maxsize=1)
def load_domain() -> dict[str, Any]:
    """The domain as the dict Rasa sends to an action server."""
    return yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))


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
    return {"text": text, "buttons": [{"title": str(b["title"]), "payload": str(b["payload"])} for b in buttons]}
