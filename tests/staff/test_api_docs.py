"""The API docs (FIELD-NOTES "API, docs"): every protected operation declares the bearer scheme, so
"Authorize" then "Try it out" sends the token; eligibility takes {"facts": {…}} as /referrals does;
pathway, referral status and contact channel list their values in the schema."""

from __future__ import annotations

import re

from flask import Flask

from referral_service.api import required_roles


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield path, method, operation


def test_every_operation_that_needs_a_token_declares_the_bearer_scheme(app: Flask, client):
    spec = client.get("/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    by_rule = {}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            by_rule[(path, method.lower())] = required_roles(app.view_functions[rule.endpoint])
    protected = 0
    for path, method, operation in _operations(spec):
        if by_rule.get((path, method)):
            protected += 1
            assert operation.get("security") == [{"bearer": []}], (method, path)
    assert protected >= 10


def test_a_protected_operation_answers_401_without_the_token_and_200_with_it(client, runner):
    assert client.get("/api/v1/referrals").status_code == 401
    result = runner.invoke(args=["tokens", "create", "--role", "admin"])
    token = result.output.strip().splitlines()[-1]
    assert client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_public_operations_take_the_token_optionally(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["paths"]["/api/v1/eligibility"]["post"]["security"] == [{}, {"bearer": []}]
    assert spec["paths"]["/api/v1/referrals"]["post"]["security"] == [{}, {"bearer": []}]


def test_eligibility_takes_the_facts_wrapped_as_referrals_does_and_gives_the_same_answer(client):
    facts = {"age": 34, "postcode": "S1 2AB", "conditions": ["psychosis"], "wants_paid_work": True}
    flat = client.post("/api/v1/eligibility", json=facts)
    wrapped = client.post("/api/v1/eligibility", json={"facts": facts})
    assert wrapped.status_code == flat.status_code == 200
    assert wrapped.get_json() == flat.get_json()


def test_eligibility_explains_a_bad_wrapper(client):
    both = client.post("/api/v1/eligibility", json={"facts": {"age": 34}, "age": 34})
    assert both.status_code == 400 and "not both" in both.get_json()["error"]["fields"]["facts"][0]
    not_object = client.post("/api/v1/eligibility", json={"facts": [1]})
    assert not_object.status_code == 400 and "facts" in not_object.get_json()["error"]["fields"]
    bad_fact = client.post("/api/v1/eligibility", json={"facts": {"age": "old"}})
    assert bad_fact.status_code == 400 and "age" in bad_fact.get_json()["error"]["fields"]


def test_pathway_status_and_channel_list_their_values(client):
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    assert schemas["ReferralRequest"]["properties"]["pathway"]["enum"] == [
        "ips_smi", "ips_dna", "ips_primary_care", "talking_therapies_ea"]
    assert "first_appointment_attended" in schemas["ReferralDetailView"]["properties"]["status"]["enum"]
    assert "face_to_face" in schemas["Contact"]["properties"]["channel"]["enum"]


def test_the_docs_page_keeps_the_authorisation_across_reloads(client):
    assert "persistAuthorization: true" in client.get("/docs/assets/docs-init.js").get_data(as_text=True)
