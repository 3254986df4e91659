"""POST /api/v1/eligibility, per CONTRACT.md: the decision shape and every error path."""

from __future__ import annotations

import pytest

PATHWAY_IDS = ["ips_smi", "ips_dna", "ips_primary_care", "talking_therapies_ea"]


def _pathway(body, pathway_id):
    return next(p for p in body["pathways"] if p["id"] == pathway_id)


def test_every_answer_lists_all_four_pathways_with_reasons_and_sources(client):
    response = client.post("/api/v1/eligibility", json={"conditions": ["psychosis"], "wants_paid_work": True, "age": 30})
    assert response.status_code == 200
    body = response.get_json()
    assert [p["id"] for p in body["pathways"]] == PATHWAY_IDS
    assert body["ruleset_version"]
    for pathway in body["pathways"]:
        assert pathway["status"] in {"eligible", "not_eligible", "needs_information"}
        assert pathway["access_route"]
        for reason in pathway["reasons"]:
            assert reason["outcome"] in {"met", "not_met", "unknown"}
            assert reason["explanation"] and reason["source"]
    assert _pathway(body, "ips_smi")["status"] == "eligible"


def test_empty_object_means_everything_unknown(client):
    body = client.post("/api/v1/eligibility", json={}).get_json()
    assert all(p["status"] == "needs_information" and p["missing"] for p in body["pathways"])
    assert body["next_question"]["fact"] and body["next_question"]["text"]


def test_postcode_in_any_spacing_finds_the_local_service(client):
    body = client.post("/api/v1/eligibility", json={"postcode": "s12ab"}).get_json()
    smi = _pathway(body, "ips_smi")
    assert smi["available_locally"] is True
    assert [s["id"] for s in smi["services"]] == ["sheffield-ips-smi"]
    assert body["facts"]["postcode"] == "S1 2AB"


def test_no_local_service_does_not_change_eligibility(client):
    facts = {"conditions": ["anxiety"], "age": 40, "right_to_work_uk": True, "wants_paid_work": True,
             "other_dwp_employment_programme": False, "postcode": "TR1 1AA"}
    body = client.post("/api/v1/eligibility", json=facts).get_json()
    primary = _pathway(body, "ips_primary_care")
    assert primary["status"] == "eligible"
    assert primary["services"] == [] and primary["available_locally"] is False


def test_unknown_postcode_means_availability_unknown(client):
    body = client.post("/api/v1/eligibility", json={"conditions": ["psychosis"]}).get_json()
    assert all(p["available_locally"] is None for p in body["pathways"])


@pytest.mark.parametrize(
    ("body", "content_type", "field"),
    [
        ({"age": "34"}, None, "age"),
        ({"age": 34.5}, None, "age"),
        ({"age": True}, None, "age"),
        ({"age": 121}, None, "age"),
        ({"age": -1}, None, "age"),
        ({"wants_paid_work": "yes"}, None, "wants_paid_work"),
        ({"wants_paid_work": 1}, None, "wants_paid_work"),
        ({"employment_status": "retired"}, None, "employment_status"),
        ({"talking_therapies": "sometimes"}, None, "talking_therapies"),
        ({"conditions": ["flu"]}, None, "conditions"),
        ({"conditions": "psychosis"}, None, "conditions"),
        ({"postcode": "not a postcode"}, None, "postcode"),
        ({"postcode": "12345"}, None, "postcode"),
        ({"postcode": 12345}, None, "postcode"),
        ({"wants_paid_wrok": True}, None, "wants_paid_wrok"),
    ],
)
def test_bad_facts_get_a_400_naming_the_field(client, body, content_type, field):
    response = client.post("/api/v1/eligibility", json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"] and error["fields"][field]


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[1, 2]", b'"text"', b"42", b"null", b"", b"\xff\xfe\x00", b'{"age": NaN}', b"[" * 5000 + b"]" * 5000],
)
def test_a_body_that_is_not_a_json_object_gets_a_400(client, raw):
    response = client.post("/api/v1/eligibility", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_json_sent_as_text_plain_is_refused_as_unsupported(client):
    # Issue 10 finding 5: only application/json, so another site cannot post through its visitors' browsers.
    response = client.post("/api/v1/eligibility", data=b'{"age": 30}', content_type="text/plain")
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_an_oversize_body_gets_a_413_in_the_error_shape(client):
    response = client.post("/api/v1/eligibility", data=b'{"x": "' + b"a" * 70_000 + b'"}', content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_null_means_unknown(client):
    body = client.post("/api/v1/eligibility", json={"age": None, "wants_paid_work": None}).get_json()
    assert "age" in _pathway(body, "ips_dna")["missing"]


def test_unknown_routes_and_methods_answer_in_the_error_shape(client):
    assert client.get("/nowhere").get_json()["error"]["code"] == "not_found"
    response = client.get("/api/v1/eligibility")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_openapi_documents_eligibility_with_its_errors(client):
    spec = client.get("/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/eligibility"]["post"]
    assert {"200", "400", "413"} <= set(operation["responses"])
    assert client.get("/docs").status_code == 200


def test_docs_assets_refuse_path_traversal(client):
    assert client.get("/docs/assets/../../../../etc/passwd").status_code == 404
    assert client.get("/docs/assets/%2e%2e/%2e%2e/etc/passwd").status_code == 404


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"
