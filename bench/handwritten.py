"""The eligibility rules hand-written as plain if-statements: the baseline for bench/eligibility.py.

It produces the same explained shape as the engine (status, reasons with explanations and
sources, missing facts) for the four pathways under the national default settings, with Kleene
three-valued logic written out by hand. tests/rules/test_handwritten_agrees.py checks that both
encodings give the same statuses, which also cross-checks the YAML rules against an independent
reading of the guidance.
"""

from __future__ import annotations

SMI_CONDITIONS = {"psychosis", "bipolar", "personality_disorder", "eating_disorder", "severe_depression",
                  "mh_rehabilitation", "complex_mental_health"}
PRIMARY_CARE_CONDITIONS = {"anxiety", "depression", "physical_health"}
# Severe depression is depression for Talking Therapies, which decides whom it treats (rules CHANGELOG 1.1.0).
TT_CONDITIONS = {"anxiety", "depression", "severe_depression"}
TT_ACTIVE = {"waiting", "in_treatment", "recently_discharged"}
SOURCE = "NHS England, Individual placement and support for severe mental illness: guidance for ICSs (2023), Appendix 1"


def _reason(criterion: str, value: bool | None, fact: str, text: str) -> tuple[dict, str | None]:
    outcome = "met" if value is True else "not_met" if value is False else "unknown"
    reason = {"criterion": criterion, "outcome": outcome, "explanation": f"{text}: {outcome}", "source": SOURCE}
    return reason, (fact if value is None else None)


def _is(facts: dict, fact: str, expected) -> bool | None:
    value = facts.get(fact)
    return None if value is None else value == expected


def _working_age(facts: dict) -> tuple[bool | None, str]:
    """16 to 65 is working age, 67 and over is not; at 66 it depends on reaching State Pension age."""
    age = facts.get("age")
    if age is None:
        return None, "age"
    if age == 66:
        reached = facts.get("reached_state_pension_age")
        return (None if reached is None else not reached), "reached_state_pension_age"
    return 16 <= age <= 65, "age"


def _any_of(facts: dict, fact: str, wanted: set) -> bool | None:
    value = facts.get(fact)
    return None if value is None else bool(wanted.intersection(value))


def _pathway(pathway_id: str, checks: list[tuple[str, bool | None, str, str]]) -> dict:
    reasons, missing = [], []
    for criterion, value, fact, text in checks:
        reason, unknown = _reason(criterion, value, fact, text)
        reasons.append(reason)
        if unknown:
            missing.append(unknown)
    if any(r["outcome"] == "not_met" for r in reasons):
        status, missing = "not_eligible", []
    elif missing:
        status = "needs_information"
    else:
        status = "eligible"
    return {"id": pathway_id, "status": status, "reasons": reasons, "missing": missing}


def evaluate(facts: dict) -> dict:
    """Evaluate already-clean facts under the national default settings."""
    dna_treatment = facts.get("drug_alcohol_treatment")
    age = facts.get("age")
    wants = _is(facts, "wants_paid_work", True)
    right_to_work = _is(facts, "right_to_work_uk", True)
    working_age, working_age_fact = _working_age(facts)
    pathways = [
        _pathway("ips_smi", [
            ("cohort", _any_of(facts, "conditions", SMI_CONDITIONS), "conditions", "SMI or complex mental health"),
            ("wants_paid_work", wants, "wants_paid_work", "Wants paid work"),
            ("minimum_age", None if age is None else age >= 18, "age", "Aged 18 or over"),
        ]),
        _pathway("ips_dna", [
            ("cohort", None if dna_treatment is None else dna_treatment is True, "drug_alcohol_treatment",
             "In structured drug and alcohol treatment"),
            ("working_age", working_age, working_age_fact, "Working age"),
            ("right_to_work_uk", right_to_work, "right_to_work_uk", "Can work legally in the UK"),
            ("wants_paid_work", wants, "wants_paid_work", "Wants support with work"),
        ]),
        _pathway("ips_primary_care", [
            ("cohort", _any_of(facts, "conditions", PRIMARY_CARE_CONDITIONS), "conditions",
             "Common mental health or physical health condition"),
            ("working_age", working_age, working_age_fact, "Working age"),
            ("right_to_work_uk", right_to_work, "right_to_work_uk", "Can work legally in the UK"),
            ("wants_paid_work", wants, "wants_paid_work", "Wants support with work"),
            ("no_other_dwp_programme", _is(facts, "other_dwp_employment_programme", False),
             "other_dwp_employment_programme", "Not on another DWP programme"),
        ]),
        _pathway("talking_therapies_ea", [
            ("cohort", _any_of(facts, "conditions", TT_CONDITIONS), "conditions", "Depression or anxiety"),
            ("talking_therapies", None if facts.get("talking_therapies") is None
             else facts["talking_therapies"] in TT_ACTIVE, "talking_therapies", "With NHS Talking Therapies"),
            ("wants_paid_work", wants, "wants_paid_work", "Wants support with work"),
        ]),
    ]
    return {"pathways": pathways}
