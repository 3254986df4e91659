"""DOMAIN.md "Corrections to the rules", through `POST /api/v1/eligibility` (and the chat for everyday
'clinical depression'): working age is 16 to State Pension age (66 asks, 67+ is not); the right to work
decides only IPS in drug & alcohol treatment and IPS in primary care (000 App. 1, each pathway's own line);
someone in NHS Talking Therapies with severe depression is not refused an Employment Adviser (000 App. 2)."""

from __future__ import annotations

import pytest

BASE = {"postcode": "DN1 3AA", "conditions": ["anxiety"], "wants_paid_work": True, "right_to_work_uk": True,
        "employment_status": "out_of_work", "talking_therapies": "none", "in_secondary_mental_health_care": False,
        "drug_alcohol_treatment": False, "other_dwp_employment_programme": False, "registered_with_gp_in_area": True}


def pathways(client, **facts):
    response = client.post("/api/v1/eligibility", json={**BASE, **facts})
    assert response.status_code == 200, response.get_json()
    return {p["id"]: p for p in response.get_json()["pathways"]}


@pytest.mark.parametrize("age", [16, 40, 65])
def test_working_age_is_met_from_16_to_65(client, age):
    primary = pathways(client, age=age)["ips_primary_care"]
    assert primary["status"] == "eligible", primary["reasons"]


def test_at_66_it_asks_about_state_pension_age_rather_than_guessing(client):
    primary = pathways(client, age=66)["ips_primary_care"]
    assert primary["status"] == "needs_information" and "reached_state_pension_age" in primary["missing"]
    assert pathways(client, age=66, reached_state_pension_age=False)["ips_primary_care"]["status"] == "eligible"
    assert pathways(client, age=66, reached_state_pension_age=True)["ips_primary_care"]["status"] == "not_eligible"


@pytest.mark.parametrize("age", [67, 71])
def test_67_and_over_is_not_working_age(client, age):
    assert pathways(client, age=age)["ips_primary_care"]["status"] == "not_eligible"


def test_no_right_to_work_rules_out_only_the_dwp_ips_lines(client):
    smi = pathways(client, age=30, postcode="S3 7HQ", conditions=["psychosis"], in_secondary_mental_health_care=True,
                   right_to_work_uk=False)
    assert smi["ips_smi"]["status"] == "eligible"
    assert smi["ips_primary_care"]["status"] == "not_eligible"
    tt = pathways(client, age=30, talking_therapies="in_treatment", right_to_work_uk=False)
    assert tt["talking_therapies_ea"]["status"] == "eligible"


@pytest.mark.parametrize("stage", ["waiting", "in_treatment", "recently_discharged"])
def test_severe_depression_in_talking_therapies_is_not_refused_an_employment_adviser(client, stage):
    tt = pathways(client, age=44, conditions=["severe_depression"], talking_therapies=stage)["talking_therapies_ea"]
    assert tt["status"] == "eligible", tt["reasons"]


def test_clinical_depression_in_the_chat_is_depression_not_the_smi_cohorts_severe_depression(client):
    from .conftest import Chat

    person = Chat(client, "clinical-depression-1")
    person.say("i need a job")
    person.say("clinical depression")
    conditions = person.slots["conditions"]
    assert conditions == ["depression"], conditions
