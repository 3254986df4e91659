"""The same eligibility rules as a GoRules JDM decision table, for the zen-engine comparison.

Generated from our compiled ruleset (national default settings) so that both engines run the same
rules: per pathway one table, hit policy "first": a row per criterion that is not met (outputting
the criterion and its explanation), then a row per criterion that is unknown, then "eligible".
"""

from __future__ import annotations

import json

from rules.expressions import AllOf, AnyOf, FactTest, Setting
from rules.loader import Ruleset


def _literal(value) -> str:
    return json.dumps(sorted(value) if isinstance(value, frozenset) else value)


def _resolve(value, settings):
    return settings[value.name] if isinstance(value, Setting) else value


def _test(node, settings) -> str:
    """A zen expression that is true when the condition is true (facts known)."""
    if isinstance(node, AllOf):
        return "(" + " and ".join(_test(p, settings) for p in node.parts) + ")"
    if isinstance(node, AnyOf):
        return "(" + " or ".join(_test(p, settings) for p in node.parts) + ")"
    assert isinstance(node, FactTest)
    fact, op = node.fact, node.op
    if op == "is":
        return f"{fact} == {_literal(_resolve(node.value, settings))}"
    if op == "in":
        return f"{fact} in {_literal(node.value)}"
    if op == "includes_any":
        return f"some({fact}, # in {_literal(node.value)})"
    if op == "at_least":
        return f"{fact} >= {_resolve(node.value, settings)}"
    if op == "at_most":
        return f"{fact} <= {_resolve(node.value, settings)}"
    if op == "between":
        low, high = (_resolve(v, settings) for v in node.value)
        return f"({fact} >= {low} and {fact} <= {high})"
    if op == "is_unknown":
        return f"{fact} == null"
    raise ValueError(op)


def _known(node) -> str:
    return "(" + " and ".join(f"{fact} != null" for fact in sorted(node.facts)) + ")"


def build_jdm(ruleset: Ruleset) -> dict:
    nodes = [{"id": "in", "type": "inputNode", "name": "Request", "position": {"x": 0, "y": 0}}]
    edges = []
    for index, pathway in enumerate(ruleset.pathways):
        settings = pathway.settings
        criteria = [c for c in pathway.criteria if c.applies_if is None or settings[c.applies_if[0]] == c.applies_if[1]]
        rules = []
        for c in criteria:  # not met: all its facts known and the test false
            rules.append({"_id": f"{c.id}-no", "c": f"{_known(c.test)} and not ({_test(c.test, settings)})",
                          "s": '"not_eligible"', "k": json.dumps(c.id), "e": json.dumps(c.explain["not_met"])})
        for c in criteria:  # unknown: some fact missing
            missing = " or ".join(f"{fact} == null" for fact in sorted(c.test.facts))
            rules.append({"_id": f"{c.id}-unknown", "c": f"({missing})", "s": '"needs_information"',
                          "k": json.dumps(c.id), "e": json.dumps(c.explain["unknown"])})
        rules.append({"_id": "eligible", "c": "", "s": '"eligible"', "k": '"all"', "e": '"All criteria met"'})
        node_id = f"t{index}"
        nodes.append({
            "id": node_id, "type": "decisionTableNode", "name": pathway.id, "position": {"x": 1, "y": index},
            "content": {
                "hitPolicy": "first",
                "inputs": [{"id": "c", "name": "condition"}],
                "outputs": [{"id": "s", "name": "status", "field": f"{pathway.id}.status"},
                            {"id": "k", "name": "criterion", "field": f"{pathway.id}.criterion"},
                            {"id": "e", "name": "explanation", "field": f"{pathway.id}.explanation"}],
                "rules": rules,
            },
        })
        edges.append({"id": f"e-in-{index}", "sourceId": "in", "targetId": node_id, "type": "edge"})
        edges.append({"id": f"e-out-{index}", "sourceId": node_id, "targetId": "out", "type": "edge"})
    nodes.append({"id": "out", "type": "outputNode", "name": "Response", "position": {"x": 2, "y": 0}})
    return {"nodes": nodes, "edges": edges}
