"""The loader refuses any rules file that is not exactly right, naming the file and the key.

GoRules' engine silently treats a mistyped cell as "no match"; for a clinical service that is a
safety hazard, so every mistake here is a hard error at load.
"""

from __future__ import annotations

import re

import pytest

from rules import RULES_DIR, RulesError, load_ruleset


def _criterion(data, criterion_id):
    return next(c for c in data["criteria"] if c["id"] == criterion_id)


def _refused(rules_copy, file, match):
    with pytest.raises(RulesError, match=match) as caught:
        load_ruleset(rules_copy.root)
    assert caught.value.file == file
    return caught.value


def test_the_shipped_rules_load_with_a_version_and_content_hash():
    ruleset = load_ruleset()
    # The version in ruleset.yaml is the newest entry of the CHANGELOG commissioners read.
    changelog = (RULES_DIR / "CHANGELOG.md").read_text(encoding="utf-8")
    newest = next(line for line in changelog.splitlines() if line.startswith("## "))
    assert newest.startswith(f"## {ruleset.version} ")
    assert re.fullmatch(r"\d+\.\d+\.\d+", ruleset.version)
    assert ruleset.content_hash.startswith("sha256:")
    assert ruleset.pathway_ids == ("ips_smi", "ips_dna", "ips_primary_care", "talking_therapies_ea")


def test_content_hash_changes_when_a_rule_changes(rules_copy):
    before = load_ruleset(rules_copy.root).content_hash
    rules_copy.edit("pathways/ips_dna.yaml", lambda d: d["settings"].update(working_age_maximum=66))
    assert load_ruleset(rules_copy.root).content_hash != before


def test_a_mistyped_fact_is_refused(rules_copy):
    rules_copy.edit("pathways/ips_dna.yaml", lambda d: _criterion(d, "right_to_work_uk")["test"].update(fact="right_to_wrok"))
    error = _refused(rules_copy, "pathways/ips_dna.yaml", "unknown fact 'right_to_wrok'")
    assert error.key == "criteria[2].test.fact"


def test_an_unknown_operator_is_refused(rules_copy):
    rules_copy.edit("pathways/ips_dna.yaml", lambda d: _criterion(d, "right_to_work_uk")["test"].update(op="roughly"))
    _refused(rules_copy, "pathways/ips_dna.yaml", "unknown operator 'roughly'")


def test_an_operator_that_does_not_fit_the_fact_is_refused(rules_copy):
    rules_copy.edit("pathways/ips_dna.yaml", lambda d: _criterion(d, "cohort")["test"].update(op="at_least"))
    _refused(rules_copy, "pathways/ips_dna.yaml", "does not apply to boolean")


def test_a_mistyped_enum_value_is_refused(rules_copy):
    def change(data):
        _criterion(data, "talking_therapies")["test"]["value"] = ["waiting", "in_treatmnet"]

    rules_copy.edit("pathways/talking_therapies_ea.yaml", change)
    _refused(rules_copy, "pathways/talking_therapies_ea.yaml", "in_treatmnet")


def test_a_mistyped_condition_value_is_refused(rules_copy):
    rules_copy.edit("pathways/ips_smi.yaml", lambda d: _criterion(d, "cohort")["test"]["value"].append("psycosis"))
    _refused(rules_copy, "pathways/ips_smi.yaml", "psycosis")


def test_a_value_of_the_wrong_type_is_refused(rules_copy):
    rules_copy.edit("pathways/ips_smi.yaml", lambda d: _criterion(d, "wants_paid_work")["test"].update(value="yes"))
    _refused(rules_copy, "pathways/ips_smi.yaml", "bad value 'yes'")


def test_an_unknown_key_is_refused(rules_copy):
    rules_copy.edit("pathways/ips_smi.yaml", lambda d: _criterion(d, "cohort").update(sauce="x"))
    _refused(rules_copy, "pathways/ips_smi.yaml", "unknown key")


def test_a_missing_explanation_is_refused(rules_copy):
    rules_copy.edit("pathways/ips_smi.yaml", lambda d: _criterion(d, "cohort")["explain"].pop("unknown"))
    _refused(rules_copy, "pathways/ips_smi.yaml", "missing key")


def test_a_criterion_without_clinician_wording_is_refused(rules_copy):
    rules_copy.edit("pathways/ips_smi.yaml", lambda d: _criterion(d, "cohort").pop("explain_clinician"))
    _refused(rules_copy, "pathways/ips_smi.yaml", "missing key.*explain_clinician")


@pytest.mark.parametrize("text", ["You live with psychosis.", "We need your age.", "Ask if YOU'RE working."])
def test_clinician_wording_that_speaks_to_the_patient_is_refused(rules_copy, text):
    # /check is read by the clinician about their patient (FIELD-NOTES 'The clinician page').
    rules_copy.edit("pathways/ips_smi.yaml", lambda d: _criterion(d, "cohort")["explain_clinician"].update(met=text))
    error = _refused(rules_copy, "pathways/ips_smi.yaml", "speaks about the patient")
    assert error.key == "criteria[0].explain_clinician.met"


def test_clinician_wording_with_an_unknown_setting_is_refused(rules_copy):
    rules_copy.edit("pathways/ips_smi.yaml",
                    lambda d: _criterion(d, "minimum_age")["explain_clinician"].update(unknown="Needs {min_age}."))
    _refused(rules_copy, "pathways/ips_smi.yaml", "unknown setting")


@pytest.mark.parametrize("key", ["summary_clinician", "access_route_clinician"])
def test_a_pathway_summary_or_route_for_clinicians_is_required_and_never_says_you(rules_copy, key):
    rules_copy.edit("pathways/ips_dna.yaml", lambda d: d.update({key: "Ask your GP."}))
    _refused(rules_copy, "pathways/ips_dna.yaml", "speaks about the patient")
    rules_copy.edit("pathways/ips_dna.yaml", lambda d: d.pop(key))
    _refused(rules_copy, "pathways/ips_dna.yaml", f"missing key.*{key}")


def test_a_question_without_its_clinician_form_is_refused(rules_copy):
    rules_copy.edit("facts.yaml", lambda d: d["facts"]["age"].pop("clinician_question"))
    _refused(rules_copy, "facts.yaml", "clinician's form")


def test_a_clinician_question_addressed_to_the_patient_is_refused(rules_copy):
    rules_copy.edit("facts.yaml", lambda d: d["facts"]["age"].update(clinician_question="How old are you?"))
    _refused(rules_copy, "facts.yaml", "speaks about the patient")


def test_a_source_that_is_not_a_document_is_refused(rules_copy):
    rules_copy.edit("pathways/ips_smi.yaml", lambda d: _criterion(d, "cohort").update(source="000_8cc55b.txt"))
    _refused(rules_copy, "pathways/ips_smi.yaml", "source must start with a document key")


def test_an_unknown_setting_is_refused(rules_copy):
    rules_copy.edit("pathways/ips_smi.yaml", lambda d: _criterion(d, "minimum_age")["test"].update(value={"setting": "min_age"}))
    _refused(rules_copy, "pathways/ips_smi.yaml", "unknown setting 'min_age'")


@pytest.mark.parametrize(
    "fact", ["criminal_record", "considered_job_ready", "recent_hospital_admission", "on_cpa", "claiming_benefits",
             "substance_use", "drug_alcohol_treatment"]
)
def test_zero_exclusion_a_rule_that_excludes_from_ips_smi_on_a_non_excluding_fact_is_refused(rules_copy, fact):
    def change(data):
        value = False if fact in {"criminal_record", "recent_hospital_admission", "claiming_benefits", "substance_use",
                                  "drug_alcohol_treatment"} else True
        data["criteria"].append({
            "id": "sneaky", "title": "Sneaky", "test": {"fact": fact, "op": "is", "value": value},
            "explain": {"met": "x", "not_met": "x", "unknown": "x"},
            "explain_clinician": {"met": "x", "not_met": "x", "unknown": "x"}, "source": "nhse_2023 Appendix 1",
        })

    rules_copy.edit("pathways/ips_smi.yaml", change)
    _refused(rules_copy, "pathways/ips_smi.yaml", "zero exclusion")


def test_zero_exclusion_cannot_be_hidden_inside_a_combination(rules_copy):
    def change(data):
        _criterion(data, "cohort")["test"] = {"all": [_criterion(data, "cohort")["test"],
                                                     {"fact": "criminal_record", "op": "is", "value": False}]}

    rules_copy.edit("pathways/ips_smi.yaml", change)
    _refused(rules_copy, "pathways/ips_smi.yaml", "zero exclusion")


def test_a_service_for_an_unknown_pathway_is_refused(rules_copy):
    rules_copy.edit("services/cornwall.yaml", lambda d: d["services"][0].update(pathway="ips_everything"))
    _refused(rules_copy, "services/cornwall.yaml", "unknown pathway")


def test_a_service_covering_something_that_is_not_a_postcode_area_is_refused(rules_copy):
    rules_copy.edit("services/cornwall.yaml", lambda d: d["services"][0].update(covers=["Cornwall"]))
    _refused(rules_copy, "services/cornwall.yaml", "not a postcode area or district")


def test_an_area_setting_of_the_wrong_type_is_refused(rules_copy):
    rules_copy.edit("services/leeds.yaml", lambda d: d.update(settings={"ips_smi": {"minimum_age": "eighteen"}}))
    _refused(rules_copy, "services/leeds.yaml", "expected int")


def test_an_area_setting_that_does_not_exist_is_refused(rules_copy):
    rules_copy.edit("services/leeds.yaml", lambda d: d.update(settings={"ips_smi": {"restrict_to_cpa": True}}))
    _refused(rules_copy, "services/leeds.yaml", "unknown setting")
