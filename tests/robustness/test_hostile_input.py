"""Hostile input on every JSON endpoint in the OpenAPI document: each gets the safe, documented answer
(the CONTRACT.md error shape), never a 500 or a stack trace."""

from __future__ import annotations

import pytest

from tests.service.referral_helpers import make_token

HOSTILE_BODIES = {
    "oversize": (b'{"x": "' + b"a" * 70_000 + b'"}', {413}),
    "deeply nested": (b'{"a": ' * 3000 + b"1" + b"}" * 3000, {400}),
    "invalid utf-8": (b'{"a": "\xff\xfe"}', {400}),
    "not an object": (b"[1, 2, 3]", {400}),
    "not json": (b"<xml>1</xml>", {400}),
    "NaN": (b'{"age": NaN}', {400}),
    # Issue 10 finding 5: not text at all, refused once at the JSON layer for every endpoint.
    "lone surrogate": (b'{"postcode": "\\ud800", "\\udfff": "x"}', {400}),
    "NUL": (b'{"postcode": "S1\\u00002AB"}', {400}),
}


def _json_post_operations(client) -> list[str]:
    spec = client.get("/openapi.json").get_json()
    paths = []
    for path, operations in spec["paths"].items():
        post = operations.get("post")
        if post and "application/json" in post.get("requestBody", {}).get("content", {}):
            paths.append(path)
    return paths


def _concrete(path: str) -> str:
    return path.replace("{reference}", "IS-ABCDEF").replace("{campaign_id}", "1").replace("{sender}", "s")


@pytest.fixture
def admin(app):
    return make_token(app, "admin")[1]


def test_there_are_json_endpoints_to_attack(client):
    assert len(_json_post_operations(client)) >= 5


@pytest.mark.parametrize("kind", sorted(HOSTILE_BODIES))
def test_every_json_endpoint_refuses_hostile_bodies_in_the_error_shape(client, admin, kind):
    body, allowed = HOSTILE_BODIES[kind]
    for path in _json_post_operations(client):
        for headers in ({}, admin):
            response = client.post(_concrete(path), data=body, content_type="application/json", headers=headers)
            text = response.get_data(as_text=True)
            assert response.status_code < 500, (path, kind, response.status_code)
            assert "Traceback" not in text and 'File "' not in text
            if response.status_code not in (401, 403, 404):
                assert response.status_code in allowed, (path, kind, response.status_code, text[:200])
                assert set(response.get_json()["error"]) >= {"code", "message"}


def test_every_json_endpoint_refuses_a_body_that_is_not_sent_as_json(client, admin):
    # Issue 10 finding 5: a page on another site can post text/plain or a form through its visitors' browsers
    # without a CORS preflight; application/json it cannot.
    for path in _json_post_operations(client):
        for headers in ({}, admin):
            response = client.post(_concrete(path), data=b'{"age": 30}', content_type="text/plain", headers=headers)
            assert response.status_code in (401, 403, 404, 415), (path, response.status_code)
            if response.status_code == 415:
                assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_header_injection_in_the_idempotency_key_is_not_reflected(client):
    response = client.post("/api/v1/eligibility", json={}, headers={"Idempotency-Key": "a\tb X-Injected: yes"})
    assert "X-Injected" not in response.headers


@pytest.mark.parametrize("path", ["/docs/assets/../../../../etc/passwd", "/docs/assets/..%2F..%2Fetc%2Fpasswd",
                                  "/static/../app.py", "/static/%2e%2e/app.py", "/docs/assets/%00"])
def test_path_traversal_on_file_routes_finds_nothing(client, path):
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert b"root:" not in response.data and b"create_app" not in response.data


def test_the_bot_tracker_is_closed_without_the_token(client):
    assert client.get("/conversations/someone/tracker").status_code == 401
    assert client.get("/conversations/someone/tracker?token=wrong").status_code == 401
