"""Finding 2 of the outside review (issue 10): only a valid token changes a public rate limit, every public page
has a limit of its own, and each limit can be set with RATELIMIT_<NAME> in the environment."""

from __future__ import annotations

import pytest

from referral_service import create_app
from tests.service.referral_helpers import make_token, referral_body


def _limited_app(tmp_path, **limits):
    return create_app({"TESTING": True, "DATABASE_PATH": str(tmp_path / "limits.db"), "RATELIMIT_ENABLED": True,
                       "BOT_AUTH_TOKEN": "t", **limits})


@pytest.mark.parametrize("header", ["x", "Basic eDp5", "Bearer ", "Bearer not-a-token", "bearer"])
def test_an_authorization_header_that_is_not_a_valid_token_does_not_lift_the_self_referral_limit(tmp_path, header):
    client = _limited_app(tmp_path, RATELIMIT_SELF_REFERRAL="2 per minute").test_client()
    codes = [client.post("/api/v1/referrals", json=referral_body(), headers={"Authorization": header}).status_code
             for _ in range(3)]
    assert codes[-1] == 429


def test_an_authorization_header_that_is_not_a_valid_token_does_not_lift_the_eligibility_limit(tmp_path):
    client = _limited_app(tmp_path, RATELIMIT_ELIGIBILITY="2 per minute").test_client()
    codes = [client.post("/api/v1/eligibility", json={}, headers={"Authorization": "x"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_a_valid_clinician_token_is_not_held_to_the_public_limit(tmp_path):
    app = _limited_app(tmp_path, RATELIMIT_SELF_REFERRAL="2 per minute")
    _, headers = make_token(app, "clinician")
    client = app.test_client()
    codes = [client.post("/api/v1/referrals", json=referral_body(), headers=headers).status_code for _ in range(4)]
    assert codes == [201] * 4


def test_the_no_js_form_and_the_check_page_have_their_own_limits(tmp_path):
    client = _limited_app(tmp_path, RATELIMIT_SELF_REFERRAL_FORM="2 per minute", RATELIMIT_CHECK="3 per minute",
                          RATELIMIT_PAGES="100 per minute").test_client()
    assert [client.get("/self-referral").status_code for _ in range(3)] == [200, 200, 429]
    assert [client.get("/check").status_code for _ in range(4)] == [200, 200, 200, 429]
    limited = client.get("/check")
    assert limited.status_code == 429 and limited.headers["Retry-After"]


def test_every_other_public_page_has_a_limit(tmp_path):
    client = _limited_app(tmp_path, RATELIMIT_PAGES="2 per minute").test_client()
    for path in ("/", "/docs", "/openapi.json"):
        assert [client.get(path).status_code for _ in range(3)] == [200, 200, 429], path


def test_the_health_check_is_never_limited(tmp_path):
    client = _limited_app(tmp_path, RATELIMIT_PAGES="1 per minute").test_client()
    assert {client.get("/healthz").status_code for _ in range(5)} == {200}


def test_the_forms_own_referral_call_is_not_counted_twice(tmp_path):
    # The form's in-process call to POST /api/v1/referrals is limited where the person came in (the form).
    client = _limited_app(tmp_path, RATELIMIT_SELF_REFERRAL="1 per minute").test_client()
    from referral_service.extensions import exempt_from_public_limits
    app = client.application
    with app.test_request_context("/api/v1/referrals", method="POST",
                                  environ_base={"referral_service.in_process": True}):
        assert exempt_from_public_limits()
    with app.test_request_context("/api/v1/referrals", method="POST", headers={"Authorization": "Bearer nope"}):
        assert not exempt_from_public_limits()


def test_limits_are_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("RATELIMIT_ELIGIBILITY", "2 per minute")
    monkeypatch.setenv("RATELIMIT_PAGES", "1 per minute")
    client = _limited_app(tmp_path).test_client()
    assert [client.post("/api/v1/eligibility", json={}).status_code for _ in range(3)] == [200, 200, 429]
    assert [client.get("/docs").status_code for _ in range(2)] == [200, 429]


def test_a_malformed_limit_setting_stops_the_app_at_start_not_at_the_first_request(tmp_path, monkeypatch):
    monkeypatch.setenv("RATELIMIT_CHECK", "lots per minit")
    with pytest.raises(ValueError, match="RATELIMIT_CHECK"):
        _limited_app(tmp_path)
