"""Facts said in passing are kept (CONTRACT.md "Facts volunteered are kept"), and only facts: numbers
that are not ages, worries that are not diagnoses and denials are not taken as answers."""

from __future__ import annotations

import pytest

from bot.answers import volunteered_facts
from bot.engine.commands import read_command


@pytest.mark.parametrize("said, facts", [
    ("hi im 16 and i want a job", {"age": 16}),
    ("hi I'm 16 and have psychosis", {"age": 16, "conditions": ["psychosis"]}),
    ("I'm 34, I live at S1 2AB and I have bipolar", {"age": 34, "postcode": "S1 2AB", "conditions": ["bipolar"]}),
    ("yes im under the community mental health team", {"in_secondary_mental_health_care": True}),
    ("im on the talking therapies waiting list", {"talking_therapies": "waiting"}),
    ("I have anxiety and bipoler and back pain", {"conditions": ["bipolar", "anxiety", "physical_health"]}),
    ("I'm 41 and off sick from work", {"age": 41, "employment_status": "in_work_off_sick"}),
    ("my key worker at CGL said to ask", {"drug_alcohol_treatment": True}),
    ("I'm 29 years old", {"age": 29}),
])
def test_facts_said_in_passing_are_read(said, facts):
    assert volunteered_facts(said) == facts


@pytest.mark.parametrize("said", [
    "I have 2 kids", "I've been out of work for 3 years", "im 5 months into my job search", "I worry about money",
    "I don't have psychosis", "no depression", "I used to see the community mental health team, not any more",
    "/inform{\"age\": 30}", "I want a job",
])
def test_what_is_not_a_fact_is_not_kept(said):
    facts = volunteered_facts(said)
    assert "age" not in facts and "conditions" not in facts and "in_secondary_mental_health_care" not in facts, facts


@pytest.mark.parametrize("said, kind", [
    ("go back", "back"), ("previous question", "back"), ("back", "back"), ("oops wrong one, go back", "back"),
    ("start again", "restart"), ("can i start again please", "restart"), ("stop", "stop"),
    ("change my answer", "change"), ("change my age", "change"), ("sorry i meant anxiety not depression", "correct"),
    ("change my postcode to LS1 4AP", "correct"),
])
def test_plain_commands_are_read(said, kind):
    command = read_command(said)
    assert command is not None and command.kind == kind


@pytest.mark.parametrize("said", ["waiting to start", "I am waiting to start", "I want to go back to work",
                                  "I'm on Restart", "back pain", "no", "34"])
def test_answers_that_contain_a_commands_words_are_not_commands(said):
    assert read_command(said) is None
