"""The same eligibility rules as a GoRules JDM decision table, for the zen-engine comparison.

Generated from our compiled ruleset (national default settings) so that both engines run the same
rules: per pathway one table, hit policy "first": a row per criterion that is not met (outputting
the criterion and its explanation), then a row per criterion that is unknown, then "eligible".
Conditions follow the same three-valued (Kleene) logic as our engine, written out as "known true"
and "known false" expressions.
"""

from __future__ import annotations

import json

from rules.expressions import AllOf, AnyOf, FactTest, Setting
from rules.loader import Ruleset


def _literal(value) -> str:
    return json.dumps(sorted(value) if isinstance(value, frozenset) else value)


def _resolve(value, settings):
    return settings[value.name] if isinstance(value, Setting) else value


def _fact_test(node: FactTest, settings) -> str:
    """A zen expression for the test of one known fact."""
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
    raise ValueError(op)


def _definitely(node, settings, value: bool) -> str:
    """A zen expression true when the condition is known to be ``value`` (Kleene three-valued logic)."""
    if isinstance(node, AllOf | AnyOf):
        # AND is true when every part is true and false when any part is false; OR the other way round.
        joiner = " and " if isinstance(node, AllOf) == value else " or "
        return "(" + joiner.join(_definitely(p, settings, value) for p in node.parts) + ")"
    assert isinstance(node, FactTest)
    if node.op == "is_unknown":
        return f"({node.fact} {'==' if value else '!='} null)"
    test = _fact_test(node, settings)
    return f"({node.fact} != null and {'' if value else 'not '}({test}))"


def build_jdm(ruleset: Ruleset) -> dict:
    nodes = [{"id": "in", "type": "inputNode", "name": "Request", "position": {"x": 0, "y": 0}}]
    edges = []
    for index, pathway in enumerate(ruleset.pathways):
        settings = pathway.settings
        criteria = [c for c in pathway.criteria if c.applies_if is None or settings[c.applies_if[0]] == c.applies_if[1]]
        rules = []
        for c in criteria:  # not met: known to be false
            rules.append({"_id": f"{c.id}-no", "c": _definitely(c.test, settings, False),
                          "s": '"not_eligible"', "k": json.dumps(c.id), "e": json.dumps(c.explain["not_met"])})
        for c in criteria:  # unknown: no criterion is false (rows above), and this one is not known to be true
            rules.append({"_id": f"{c.id}-unknown", "c": f"not {_definitely(c.test, settings, True)}", "s": '"needs_information"',
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
