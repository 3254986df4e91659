"""Turn the loaded rules into Python functions once, at load, so a decision is plain if-statements.

For each place a person can be (an area id, ``""`` for a postcode outside every area, ``"*"`` for an
unknown postcode) one function is generated that reads each fact once, tests every criterion of every
pathway with the settings in play there written in as constants, and assembles the explained pathway
decisions from reason objects built here, once (explanation text already formatted). Nothing walks a
condition tree or a settings dict per call, and no decision is cached: every call computes its answer.

The generated code follows exactly the three-valued logic of ``rules.expressions`` (what ``evaluate``
of each condition object returns); tests/rules/test_compiled_agrees.py checks the two agree on every
criterion and signpost for many generated people, so a change to either shows at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .expressions import AllOf, AnyOf, FactTest, Setting
from .loader import Criterion, Pathway, Ruleset

MET, NOT_MET, UNKNOWN, SKIPPED = "met", "not_met", "unknown", "skipped"
ELIGIBLE, NOT_ELIGIBLE, NEEDS_INFORMATION = "eligible", "not_eligible", "needs_information"
VARIES_EXPLANATION = "This depends on local rules that differ between areas, so we need the postcode."
VARIES_CLINICIAN_EXPLANATION = "This depends on local rules that differ between areas: the patient's postcode settles it."
_EMPTY: frozenset[str] = frozenset()
# Literals written into the source as themselves; anything else is bound to a constant name.
_LITERAL_TYPES = (bool, int, str, type(None))


def reason(criterion: Criterion, outcome: str, explanation: str, clinician_explanation: str) -> dict[str, Any]:
    """The explained outcome of one criterion, as it appears in a decision's ``reasons``: the explanation in
    the person's words and, for /check, in a clinician's (built once here, so evaluation costs nothing more)."""
    return {"criterion": criterion.id, "title": criterion.title, "outcome": outcome,
            "explanation": explanation, "clinician_explanation": clinician_explanation, "source": criterion.source}


class _Writer:
    """Accumulates generated source and the constants it refers to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {"_E": _EMPTY}
        self._names: dict[int, str] = {}
        self._count = 0

    def name(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def const(self, value: Any) -> str:
        if type(value) in _LITERAL_TYPES:
            return repr(value)
        key = id(value)
        if key not in self._names:
            self._names[key] = self.name("K")
            self.constants[self._names[key]] = value
        return self._names[key]

    def line(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)


def fact_variable(name: str) -> str:
    return "f_" + name


def _resolved(value: Any, settings: Mapping[str, Any]) -> Any:
    return settings[value.name] if isinstance(value, Setting) else value


def _test_expression(w: _Writer, node: FactTest, x: str, settings: Mapping[str, Any]) -> str:
    """The Python expression for a FactTest on a known value held in ``x`` (as FactTest.evaluate computes it)."""
    op = node.op
    if op == "is":
        return f"{x} == {w.const(_resolved(node.value, settings))}"
    if op == "in":
        return f"{x} in {w.const(frozenset(_resolved(node.value, settings)))}"
    if op == "includes_any":
        # any(item in wanted for item in given), without a generator per call.
        return f"not {w.const(frozenset(_resolved(node.value, settings)))}.isdisjoint({x})"
    if op == "at_least":
        return f"{x} >= {w.const(_resolved(node.value, settings))}"
    if op == "at_most":
        return f"{x} <= {w.const(_resolved(node.value, settings))}"
    if op == "between":
        low, high = (_resolved(v, settings) for v in node.value)
        return f"{w.const(low)} <= {x} <= {w.const(high)}"
    raise ValueError(f"no code for operator {op!r}")


def emit_condition(w: _Writer, node: Any, settings: Mapping[str, Any], indent: int) -> tuple[str, str]:
    """Write code setting a value variable (True/False/None) and a missing-facts variable; return their names."""
    v, m = w.name("v"), w.name("m")
    if isinstance(node, FactTest):
        x = fact_variable(node.fact)
        if node.op == "is_unknown":
            w.line(indent, f"{v} = {x} is None; {m} = _E")
            return v, m
        w.line(indent, f"if {x} is None: {v} = None; {m} = {w.const(node.facts)}")
        w.line(indent, f"else: {v} = {_test_expression(w, node, x, settings)}; {m} = _E")
        return v, m
    if isinstance(node, AllOf):
        # Kleene AND: false at the first false part (later parts not evaluated); else unknown, with the
        # missing facts of the first unknown part; else true.
        w.line(indent, f"{v} = True; {m} = _E")
        for part in node.parts:
            w.line(indent, f"if {v} is not False:")
            pv, pm = emit_condition(w, part, settings, indent + 1)
            w.line(indent + 1, f"if {pv} is False: {v} = False; {m} = _E")
            w.line(indent + 1, f"elif {pv} is None and {v} is True: {v} = None; {m} = {pm}")
        return v, m
    if isinstance(node, AnyOf):
        # Kleene OR: true at the first true part; else unknown if any part is unknown (missing: all of
        # theirs); else false.
        w.line(indent, f"{v} = False; {m} = _E")
        for part in node.parts:
            w.line(indent, f"if {v} is not True:")
            pv, pm = emit_condition(w, part, settings, indent + 1)
            w.line(indent + 1, f"if {pv} is True: {v} = True; {m} = _E")
            w.line(indent + 1, f"elif {pv} is None: {m} = {m} | {pm}")
        w.line(indent, f"if {v} is False and {m}: {v} = None")
        return v, m
    raise TypeError(f"cannot compile a {type(node).__name__}")


def definitely(w: _Writer, node: Any, settings: Mapping[str, Any], value: bool) -> str:
    """A Python expression true when the condition is known to be ``value`` (Kleene logic, short-circuiting).

    AND is known true when every part is, and known false when any part is; OR the other way round. Used
    for the value; the missing facts are worked out (emit_condition) only when the value is unknown.
    """
    if isinstance(node, AllOf | AnyOf):
        joiner = " and " if isinstance(node, AllOf) == value else " or "
        return "(" + joiner.join(definitely(w, part, settings, value) for part in node.parts) + ")"
    x = fact_variable(node.fact)
    if node.op == "is_unknown":
        return f"({x} is None)" if value else f"({x} is not None)"
    test = _test_expression(w, node, x, settings)
    return f"({x} is not None and {'' if value else 'not '}({test}))"


def _facts_read(node: Any) -> set[str]:
    return set(node.facts)


def _applies(criterion: Criterion, settings: Mapping[str, Any]) -> bool:
    return criterion.applies_if is None or settings[criterion.applies_if[0]] == criterion.applies_if[1]


def _emit_criterion(w: _Writer, criterion: Criterion, variants: list[Mapping[str, Any]], indent: int) -> str | None:
    """Code choosing this criterion's prebuilt reason and adding its id to ``dn`` (not met) or ``du``
    (unknown, its missing facts into ``miss``); returns the variable holding the reason, or None when the
    criterion is switched off wherever the person may be."""
    first = variants[0]
    met, not_met, unknown = (w.const(reason(criterion, o, criterion.explain[o].format(**first),
                                            criterion.explain_clinician[o].format(**first)))
                             for o in (MET, NOT_MET, UNKNOWN))
    cid = w.const(criterion.id)
    chosen = w.name("c")
    # The variants that differ for this criterion: whether it applies there, and the settings it reads.
    used = sorted(criterion.test.settings_used())
    distinct: dict[tuple, Mapping[str, Any]] = {}
    for settings in variants:
        key = (_applies(criterion, settings), tuple(settings[name] for name in used))
        distinct.setdefault(key, settings)
    test = criterion.test
    if len(distinct) == 1:
        (applies, _), settings = next(iter(distinct.items()))
        if not applies:
            return None
        if isinstance(test, FactTest) and test.op != "is_unknown":
            x = fact_variable(test.fact)
            w.line(indent, f"if {x} is None: {chosen} = {unknown}; du.append({cid}); miss = miss | {w.const(test.facts)}")
            w.line(indent, f"elif {_test_expression(w, test, x, settings)}: {chosen} = {met}")
            w.line(indent, f"else: {chosen} = {not_met}; dn.append({cid})")
            return chosen
        w.line(indent, f"if {definitely(w, test, settings, True)}: {chosen} = {met}")
        w.line(indent, f"elif {definitely(w, test, settings, False)}: {chosen} = {not_met}; dn.append({cid})")
        w.line(indent, "else:")
        _, m = emit_condition(w, test, settings, indent + 1)
        w.line(indent + 1, f"{chosen} = {unknown}; du.append({cid}); miss = miss | {m}")
        return chosen
    # Several sets of local settings in play (postcode unknown): the outcome stands if they all agree,
    # else it varies (shown as unknown, and the postcode would settle it). Not all of them skip it, or
    # there would be one distinct variant.
    outcomes, missing = [], []
    for (applies, _), settings in distinct.items():
        o = w.name("o")
        if applies:
            v, m = emit_condition(w, test, settings, indent)
            w.line(indent, f"{o} = {MET!r} if {v} is True else {NOT_MET!r} if {v} is False else {UNKNOWN!r}")
            missing.append(m)
        else:
            w.line(indent, f"{o} = {SKIPPED!r}")
        outcomes.append(o)
    varies = w.const(reason(criterion, UNKNOWN, VARIES_EXPLANATION, VARIES_CLINICIAN_EXPLANATION))
    union = " | ".join(missing)
    w.line(indent, f"if {' == '.join(outcomes)}:")
    w.line(indent + 1, f"if {outcomes[0]} == {MET!r}: {chosen} = {met}")
    w.line(indent + 1, f"elif {outcomes[0]} == {NOT_MET!r}: {chosen} = {not_met}; dn.append({cid})")
    w.line(indent + 1, f"else: {chosen} = {unknown}; du.append({cid}); miss = miss | {union}")
    w.line(indent, f"else: {chosen} = {varies}; du.append({cid}); miss = miss | {union} | {w.const(frozenset({'postcode'}))}")
    return chosen


def _emit_pathway(w: _Writer, pathway: Pathway, variants: list[Mapping[str, Any]], indent: int) -> str:
    """Code computing one pathway's explained decision into a new variable; returns its name."""
    w.line(indent, "dn = []; du = []; miss = _E")
    chosen, ids = [], []
    for criterion in pathway.criteria:
        name = _emit_criterion(w, criterion, variants, indent)
        if name is not None:
            chosen.append(name)
            ids.append(criterion.id)
    w.line(indent, f"r = [{', '.join(chosen)}]")
    for note in pathway.does_not_exclude:
        note_reason = {"criterion": f"does_not_exclude:{note.fact}", "title": "Zero exclusion", "outcome": MET,
                       "explanation": note.explanation, "clinician_explanation": note.explanation, "source": note.source}
        w.line(indent, f"if {note.fact!r} in facts: r.append({w.const(note_reason)})")
    w.line(indent, f"if dn: status = {NOT_ELIGIBLE!r}; deciding = dn; missing = []")
    w.line(indent, f"elif du: status = {NEEDS_INFORMATION!r}; deciding = du; missing = sorted(miss, key=ORDER)")
    # Eligible: every criterion that applies was met.
    w.line(indent, f"else: status = {ELIGIBLE!r}; deciding = {ids!r}; missing = []")
    decision = w.name("p")
    fields = [f"'id': {pathway.id!r}", f"'name': {w.const(pathway.name)}", f"'short_name': {w.const(pathway.short_name)}",
              "'status': status", "'decided_by': deciding", "'reasons': r", "'missing': missing",
              f"'summary': {w.const(pathway.summary)}", f"'access_route': {w.const(pathway.access_route)}",
              f"'access_route_source': {w.const(pathway.access_route_source)}", f"'length': {w.const(pathway.length)}",
              f"'availability': {w.const(pathway.availability)}",
              f"'clinician_summary': {w.const(pathway.summary_clinician)}",
              f"'clinician_access_route': {w.const(pathway.access_route_clinician)}"]
    w.line(indent, f"{decision} = {{{', '.join(fields)}}}")
    return decision


def compile_decisions(ruleset: Ruleset, variants_by_place: Mapping[str, Mapping[str, list[Mapping[str, Any]]]],
                      ) -> dict[str, Callable[[dict[str, Any]], list[dict[str, Any]]]]:
    """One function per place: clean facts in, the list of explained pathway decisions out (no local services).

    ``variants_by_place[place][pathway_id]`` is the list of settings in play there (one, or several when
    the postcode is unknown).
    """
    vocabulary = ruleset.vocabulary
    ask_order = {name: (fact.ask_order, name) for name, fact in vocabulary.facts.items()}
    read = sorted(set().union(*(_facts_read(c.test) for p in ruleset.pathways for c in p.criteria)))
    functions = {}
    for place, variants in variants_by_place.items():
        w = _Writer()
        w.constants["ORDER"] = ask_order.__getitem__
        w.line(0, "def decide(facts):")
        w.line(1, "get = facts.get")
        for name in read:
            w.line(1, f"{fact_variable(name)} = get({name!r})")
        decisions = [_emit_pathway(w, p, variants[p.id], 1) for p in ruleset.pathways]
        w.line(1, f"return [{', '.join(decisions)}]")
        functions[place] = _build(w, "decide", f"<rules: decisions where={place!r}>")
    return functions


def compile_signposting(ruleset: Ruleset) -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
    """Clean facts in, a new list of the signposts whose condition is true (fresh dicts) out."""
    w = _Writer()
    read = sorted(set().union(*(_facts_read(s.when) for s in ruleset.signposts)))
    w.line(0, "def signposting(facts):")
    w.line(1, "get = facts.get")
    for name in read:
        w.line(1, f"{fact_variable(name)} = get({name!r})")
    w.line(1, "shown = []")
    for signpost in ruleset.signposts:
        w.line(1, f"if {definitely(w, signpost.when, {}, True)}: shown.append(dict({w.const(signpost.to_dict())}))")
    w.line(1, "return shown")
    return _build(w, "signposting", "<rules: signposting>")


def compile_condition_function(node: Any, settings: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], tuple]:
    """A single condition as a function returning (value, missing), like ``node.evaluate(facts, settings)``.

    Used by the tests that check the generated code against the condition objects.
    """
    w = _Writer()
    w.line(0, "def condition(facts):")
    for name in sorted(_facts_read(node)):
        w.line(1, f"{fact_variable(name)} = facts.get({name!r})")
    v, m = emit_condition(w, node, settings, 1)
    w.line(1, f"return {v}, {m}")
    return _build(w, "condition", "<rules: condition>")


def _build(w: _Writer, name: str, filename: str) -> Callable:
    source = "\n".join(w.lines) + "\n"
    namespace = dict(w.constants)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own generated source, from validated rules
    function = namespace[name]
    function.source = source  # for reading when debugging a rule
    return function
