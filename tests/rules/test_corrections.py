"""Corrections to the rules found on review (DOMAIN.md 'Corrections'; ruleset 1.1.0): the ones that are
about the service directory and local settings rather than one person's facts (those are in cases/)."""

from __future__ import annotations

import logging
from datetime import date

from rules import Engine, load_ruleset
from rules.rereferral import may_refer_again, rereferral_wait_days


def _smi_service(data):
    return next(s for s in data["services"] if s["pathway"] == "ips_smi")


def test_an_ips_service_that_takes_no_self_referrals_loads_with_a_warning_not_an_error(rules_copy):
    # NHS England 2023, 'Integrating IPS and maximising referrals': services "should promote the option to self-refer".
    assert load_ruleset(rules_copy.root).warnings == ()
    rules_copy.edit("services/cornwall.yaml", lambda d: _smi_service(d).update(accepts_self_referral=False))
    ruleset = load_ruleset(rules_copy.root)
    assert len(ruleset.warnings) == 1
    assert "cornwall-ips-smi" in ruleset.warnings[0] and "self-referral" in ruleset.warnings[0]


def test_drug_and_alcohol_and_talking_therapies_services_are_expected_to_take_referrals_through_a_team():
    # Appendix 1 'When support provided': IPS in D&A through key working; EAs through Talking Therapies.
    assert load_ruleset().warnings == ()


def test_the_shipped_rules_log_their_warnings_at_start(rules_copy, caplog):
    import rules

    rules_copy.edit("services/cornwall.yaml", lambda d: _smi_service(d).update(accepts_self_referral=False))
    rules.default_engine.cache_clear()
    original = rules.RULES_DIR
    try:
        rules.RULES_DIR = rules_copy.root
        with caplog.at_level(logging.WARNING, logger="rules"):
            rules.default_engine()
    finally:
        rules.RULES_DIR = original
        rules.default_engine.cache_clear()
    assert any(getattr(r, "warning", "").startswith("services/cornwall") for r in caplog.records)


def test_a_person_who_finds_only_a_service_without_self_referral_is_told_its_route_and_phone(rules_copy):
    rules_copy.edit("services/cornwall.yaml", lambda d: _smi_service(d).update(accepts_self_referral=False))
    engine = Engine(load_ruleset(rules_copy.root))
    facts = {"conditions": ["psychosis"], "wants_paid_work": True, "age": 30, "postcode": "TR1 1AA"}
    smi = next(p for p in engine.evaluate(facts)["pathways"] if p["id"] == "ips_smi")
    assert smi["status"] == "eligible" and smi["available_locally"] is True
    route = smi["referral_route"]
    assert route["self_referral"] is False
    assert smi["access_route"] in route["how"]
    assert "Cornwall IPS Employment Service" in route["how"] and "01632 960001" in route["how"]
    assert route["call"] == [{"name": "Cornwall IPS Employment Service", "phone": "01632 960001"}]


def test_no_local_service_has_no_referral_route_and_an_unknown_postcode_none_either():
    from rules import default_engine

    for facts in ({"postcode": "EH1 1YZ"}, {}):
        for pathway in default_engine().evaluate(facts)["pathways"]:
            assert pathway["referral_route"] is None


# --- re-referral (IPS Grow briefing note for commissioners §12e; NHS England 2023 Appendix 1) ------------

def test_by_default_a_finished_referral_never_blocks_a_new_one():
    ruleset = load_ruleset()
    assert rereferral_wait_days(ruleset, "sheffield-ips-smi") == 0
    answer = may_refer_again(ruleset, "sheffield-ips-smi", date(2026, 11, 30), date(2026, 12, 1))
    assert answer.allowed and answer.reason == "no_wait"


def test_an_open_referral_is_not_duplicated():
    answer = may_refer_again(load_ruleset(), "sheffield-ips-smi", None, date(2026, 12, 1))
    assert not answer.allowed and answer.reason == "open_referral"


def test_an_area_may_set_a_wait_and_after_it_being_referred_before_never_blocks(rules_copy):
    rules_copy.edit("services/south_yorkshire.yaml", lambda d: d.update(settings={"ips_smi": {"rereferral_wait_days": 90}}))
    ruleset = load_ruleset(rules_copy.root)
    assert rereferral_wait_days(ruleset, "sheffield-ips-smi") == 90
    assert rereferral_wait_days(ruleset, "south-yorkshire-ips-primary-care") == 0  # the setting is per pathway
    ended = date(2026, 1, 1)
    within = may_refer_again(ruleset, "sheffield-ips-smi", ended, date(2026, 3, 31))
    assert not within.allowed and within.reason == "within_wait" and within.allowed_from == date(2026, 4, 1)
    after = may_refer_again(ruleset, "sheffield-ips-smi", ended, date(2026, 4, 1))
    assert after.allowed and after.reason == "wait_over"
    assert may_refer_again(ruleset, "sheffield-ips-smi", ended, date(2030, 1, 1)).allowed


def test_the_wait_is_a_setting_a_mistyped_value_is_refused(rules_copy):
    import pytest

    from rules import RulesError

    rules_copy.edit("services/south_yorkshire.yaml", lambda d: d.update(settings={"ips_smi": {"rereferral_wait_days": "90"}}))
    with pytest.raises(RulesError, match="rereferral_wait_days"):
        load_ruleset(rules_copy.root)


def test_a_wait_changes_no_ones_eligibility(rules_copy):
    rules_copy.edit("services/south_yorkshire.yaml", lambda d: d.update(settings={"ips_smi": {"rereferral_wait_days": 90}}))
    engine = Engine(load_ruleset(rules_copy.root))
    facts = {"conditions": ["psychosis"], "wants_paid_work": True, "age": 30}
    for postcode in (None, "S1 2AB", "B1 1AA"):
        person = {**facts, **({"postcode": postcode} if postcode else {})}
        assert next(p for p in engine.evaluate(person)["pathways"] if p["id"] == "ips_smi")["status"] == "eligible"
