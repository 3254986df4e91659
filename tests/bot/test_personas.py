"""Conversation personas (tests/bot/personas.yaml) run through the REST channel, as a person has them.

Each persona is data: what the person says or presses, and what the bot must then say and hold in its
tracker. The completion rate (personas finished with every check met) is printed at the end.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .conftest import Chat

PERSONAS = yaml.safe_load((Path(__file__).with_name("personas.yaml")).read_text(encoding="utf-8"))
_RESULTS: dict[str, bool] = {}


def _check_turn(chat: Chat, number: int, turn: dict) -> None:
    where = f"turn {number} ({turn.get('say') or turn.get('press')!r})"
    text = chat.text.lower()
    for part in turn.get("says", []):
        assert part.lower() in text, f"{where}: expected {part!r} in:\n{chat.text}"
    for part in turn.get("not_says", []):
        assert part.lower() not in text, f"{where}: did not expect {part!r} in:\n{chat.text}"
    keys = {"slots", "requested_slot", "requested_slot_not", "active_loop", "risk_level"} & set(turn)
    if not keys:
        return
    tracker = chat.tracker()
    slots = tracker["slots"]
    for name, value in (turn.get("slots") or {}).items():
        actual = slots.get(name)
        if isinstance(value, dict) and isinstance(actual, dict):
            assert {k: actual.get(k) for k in value} == value, f"{where}: slot {name} = {actual!r}"
        else:
            assert actual == value, f"{where}: slot {name} = {actual!r}, expected {value!r}\n{chat.text}"
    if "requested_slot" in turn:
        assert slots.get("requested_slot") == turn["requested_slot"], \
            f"{where}: requested_slot {slots.get('requested_slot')!r}\n{chat.text}"
    if "requested_slot_not" in turn:
        assert slots.get("requested_slot") != turn["requested_slot_not"], f"{where}: asked {turn['requested_slot_not']} again"
    if "active_loop" in turn:
        assert tracker["active_loop"]["name"] == turn["active_loop"], f"{where}: active_loop {tracker['active_loop']}"
    if "risk_level" in turn:
        assert slots.get("risk_level") == turn["risk_level"], f"{where}: risk_level {slots.get('risk_level')!r}"


@pytest.mark.parametrize("persona", PERSONAS, ids=[p["name"] for p in PERSONAS])
def test_persona(client, persona):
    _RESULTS[persona["name"]] = False
    chat = Chat(client, "persona-" + str(PERSONAS.index(persona)), persona.get("metadata"))
    asked: list[str] = []
    for number, turn in enumerate(persona["turns"], start=1):
        if "press" in turn:
            chat.press(turn["press"])
        else:
            chat.say(turn["say"])
        _check_turn(chat, number, turn)
        if persona.get("never_asked"):
            asked.append(chat.slots.get("requested_slot"))
    for fact in persona.get("never_asked", []):
        assert fact not in asked, f"{fact} was asked although the person had said it"
    _RESULTS[persona["name"]] = True


def test_there_are_at_least_40_personas_covering_the_hard_cases():
    names = " ".join(p["name"] for p in PERSONAS).lower()
    assert len(PERSONAS) >= 40
    for case in ("crisis", "at risk", "go back", "start again", "sorry i meant", "volunteered", "son", "landline",
                 "leeds", "cornwall", "16", "drug and alcohol"):
        assert case in names, case


@pytest.fixture(scope="module", autouse=True)
def _completion_rate():
    yield
    if _RESULTS:
        done = sum(_RESULTS.values())
        print(f"\nPersonas completed: {done}/{len(_RESULTS)} ({100 * done / len(_RESULTS):.0f}%)")
