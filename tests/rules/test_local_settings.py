"""A commissioner's local variation is a YAML setting of the area, not code (IPS Grow briefing note §11–12, §21–22)."""

from __future__ import annotations

import pytest

from rules import Engine, load_ruleset


def _status(engine, facts, pathway="ips_smi"):
    return next(p for p in engine.evaluate(facts)["pathways"] if p["id"] == pathway)


@pytest.fixture
def leeds_variation(rules_copy):
    def make(**settings):
        rules_copy.edit("services/leeds.yaml", lambda d: d.update(settings={"ips_smi": settings}))
        return Engine(load_ruleset(rules_copy.root))

    return make


SMI = {"conditions": ["psychosis"], "wants_paid_work": True}


def test_an_area_can_set_a_minimum_age_of_16(leeds_variation):
    engine = leeds_variation(minimum_age=16)
    assert _status(engine, {**SMI, "age": 16, "postcode": "LS1 4AP"})["status"] == "eligible"
    assert _status(engine, {**SMI, "age": 16, "postcode": "S1 2AB"})["status"] == "not_eligible"


def test_when_areas_differ_and_the_postcode_is_unknown_the_postcode_is_needed(leeds_variation):
    engine = leeds_variation(minimum_age=16)
    pathway = _status(engine, {**SMI, "age": 17})
    assert pathway["status"] == "needs_information"
    assert "postcode" in pathway["missing"]
    # ...but where every area agrees, the postcode does not matter.
    assert _status(engine, {**SMI, "age": 30})["status"] == "eligible"


def test_an_area_can_require_gp_registration_in_the_area(leeds_variation):
    engine = leeds_variation(require_gp_registration_in_area=True)
    leeds = {**SMI, "age": 30, "postcode": "LS1 4AP"}
    assert _status(engine, leeds)["missing"] == ["registered_with_gp_in_area"]
    assert _status(engine, {**leeds, "registered_with_gp_in_area": True})["status"] == "eligible"
    assert _status(engine, {**leeds, "registered_with_gp_in_area": False})["status"] == "not_eligible"
    assert _status(engine, {**SMI, "age": 30, "postcode": "S1 2AB"})["status"] == "eligible"


def test_an_area_can_decline_job_retention_cases(leeds_variation):
    engine = leeds_variation(job_retention_accepted=False)
    leeds = {**SMI, "age": 30, "postcode": "LS1 4AP"}
    assert _status(engine, {**leeds, "employment_status": "in_work"})["status"] == "not_eligible"
    assert _status(engine, {**leeds, "employment_status": "out_of_work"})["status"] == "eligible"


def test_an_area_can_limit_job_retention_to_people_off_sick(leeds_variation):
    engine = leeds_variation(job_retention_off_sick_only=True)
    leeds = {**SMI, "age": 30, "postcode": "LS1 4AP"}
    assert _status(engine, {**leeds, "employment_status": "in_work"})["status"] == "not_eligible"
    assert _status(engine, {**leeds, "employment_status": "in_work_off_sick"})["status"] == "eligible"


def test_an_area_can_restrict_to_secondary_mental_health_care_though_it_is_not_recommended(leeds_variation):
    engine = leeds_variation(restrict_to_secondary_mental_health_care=True)
    leeds = {**SMI, "age": 30, "postcode": "LS1 4AP"}
    assert _status(engine, {**leeds, "in_secondary_mental_health_care": False})["status"] == "not_eligible"
    assert _status(engine, {**leeds, "in_secondary_mental_health_care": True})["status"] == "eligible"


def test_restricting_to_people_on_cpa_is_not_a_setting(rules_copy):
    from rules import RulesError

    rules_copy.edit("services/leeds.yaml", lambda d: d.update(settings={"ips_smi": {"restrict_to_cpa": True}}))
    with pytest.raises(RulesError):
        load_ruleset(rules_copy.root)
