"""Security headers on every response: pages, API docs and the API."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/check", "/docs", "/api/v1/referrals", "/healthz", "/no-such-page"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_api_answers_are_never_cached(client):
    assert client.get("/api/v1/referrals").headers["Cache-Control"] == "no-store"


def test_docs_page_scripts_are_same_origin_so_the_policy_allows_them(client):
    page = client.get("/docs").get_data(as_text=True)
    assert '<script src="/docs/assets/' in page and "<script>" not in page
