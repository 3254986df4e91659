"""flask-limiter on the public endpoints: generous for real use, a 429 in the error shape past the limit."""

from __future__ import annotations

from referral_service import create_app
from tests.service.referral_helpers import referral_body


def _limited_app(tmp_path, **limits):
    return create_app({"TESTING": True, "DATABASE_PATH": str(tmp_path / "limits.db"), "RATELIMIT_ENABLED": True,
                       "BOT_AUTH_TOKEN": "t", **limits})


def test_public_eligibility_past_its_limit_gets_429_with_retry_after(tmp_path):
    client = _limited_app(tmp_path, RATELIMIT_ELIGIBILITY="3 per minute").test_client()
    statuses = [client.post("/api/v1/eligibility", json={}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.post("/api/v1/eligibility", json={})
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert response.headers["Retry-After"]


def test_self_referral_is_limited_per_address_but_a_burst_of_retries_fits_the_default(tmp_path):
    client = _limited_app(tmp_path).test_client()
    for _ in range(25):
        response = client.post("/api/v1/referrals", json=referral_body(), headers={"Idempotency-Key": "same"})
        assert response.status_code == 201
    limited = _limited_app(tmp_path, RATELIMIT_SELF_REFERRAL="2 per minute").test_client()
    codes = [limited.post("/api/v1/referrals", json=referral_body()).status_code for _ in range(3)]
    assert codes[-1] == 429
