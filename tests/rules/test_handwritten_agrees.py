"""Two independent encodings of the guidance agree: the YAML rules and the hand-written baseline.

bench/handwritten.py writes the national rules out as plain if-statements (it is the benchmark
baseline). If a YAML edit changes a status, this test says so.
"""

from __future__ import annotations

from hypothesis import given, settings

from bench import handwritten
from rules import default_engine

from .test_properties import facts


@settings(max_examples=500, deadline=None)
@given(person=facts())
def test_yaml_rules_and_hand_written_rules_give_the_same_statuses(person):
    engine = default_engine()
    clean = engine.clean(person)
    ours = {p["id"]: (p["status"], p["missing"]) for p in engine.evaluate(person)["pathways"]}
    theirs = {p["id"]: (p["status"], sorted(p["missing"])) for p in handwritten.evaluate(clean)["pathways"]}
    assert {k: (s, sorted(m)) for k, (s, m) in ours.items()} == theirs
