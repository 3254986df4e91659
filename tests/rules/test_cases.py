"""Runs every declarative case in tests/rules/cases/*.yaml, and checks the cases cover every criterion."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rules import default_engine

CASES_DIR = Path(__file__).parent / "cases"
CASE_KEYS = {"name", "source", "facts", "expect", "missing", "services", "available_locally", "signposting",
             "no_signposting", "next_question", "self_referral"}


def _load_cases():
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for index, case in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
            unknown = set(case) - CASE_KEYS
            assert not unknown, f"{path.name}[{index}]: unknown keys {unknown}"
            cases.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return cases


CASES = _load_cases()


@pytest.mark.parametrize("case", CASES)
def test_case(case):
    decision = default_engine().evaluate(case["facts"])
    by_id = {p["id"]: p for p in decision["pathways"]}
    for pathway, status in case["expect"].items():
        got = by_id[pathway]
        assert got["status"] == status, (
            f"{pathway}: expected {status}, got {got['status']} (decided by {got['decided_by']}, missing {got['missing']})"
        )
    for pathway, missing in (case.get("missing") or {}).items():
        assert by_id[pathway]["missing"] == missing
    for pathway, services in (case.get("services") or {}).items():
        assert [s["id"] for s in by_id[pathway]["services"]] == services
    for pathway, available in (case.get("available_locally") or {}).items():
        assert by_id[pathway]["available_locally"] is available
    for pathway, self_referral in (case.get("self_referral") or {}).items():
        route = by_id[pathway]["referral_route"]
        assert route["self_referral"] is self_referral
        if not self_referral:  # told exactly how to be referred: the access route and the service's phone
            service = by_id[pathway]["services"][0]
            assert by_id[pathway]["access_route"] in route["how"] and service["phone"] in route["how"]
    shown = {s["id"] for s in decision["signposting"]}
    assert set(case.get("signposting") or []) <= shown
    assert not set(case.get("no_signposting") or []) & shown
    if "next_question" in case:
        assert (decision["next_question"] or {}).get("fact") == case["next_question"]


def test_there_are_at_least_40_cases():
    assert len(CASES) >= 40


def test_every_criterion_is_both_met_and_not_met_in_some_case():
    """Every criterion that applies under the national defaults is exercised both ways by the cases."""
    engine = default_engine()
    seen: set[tuple[str, str, str]] = set()
    for param in CASES:
        for pathway in engine.evaluate(param.values[0]["facts"])["pathways"]:
            for reason in pathway["reasons"]:
                seen.add((pathway["id"], reason["criterion"], reason["outcome"]))
    for pathway in engine.ruleset.pathways:
        for criterion in pathway.criteria:
            if criterion.applies_if is not None and pathway.settings[criterion.applies_if[0]] != criterion.applies_if[1]:
                continue  # a local setting that is off by default: covered in test_local_settings.py
            for outcome in ("met", "not_met", "unknown"):
                assert (pathway.id, criterion.id, outcome) in seen, f"no case has {pathway.id}.{criterion.id} {outcome}"


def test_every_non_excluding_fact_has_a_case_showing_it_does_not_exclude_from_ips_smi():
    smi = default_engine().ruleset.pathway("ips_smi")
    covered = set()
    for param in CASES:
        case = param.values[0]
        if case["expect"].get("ips_smi") == "eligible":
            covered |= set(case["facts"])
    assert {note.fact for note in smi.does_not_exclude} <= covered
