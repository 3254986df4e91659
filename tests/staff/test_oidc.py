"""Single sign-on by OpenID Connect against a local stub issuer (tests/staff/oidc_stub.py) that signs real
RS256 ID tokens: a verified email that matches a local account signs in with that account's role and
service; anything that cannot be trusted (wrong nonce, audience, signature, state, unknown email) does not."""

from __future__ import annotations

import pytest
import requests
from joserfc.jwk import RSAKey

from referral_service import create_app

from .conftest import SHEFFIELD, make_user
from .oidc_stub import CLIENT_ID, CLIENT_SECRET, StubIssuer


@pytest.fixture
def stub():
    with StubIssuer() as issuer:
        yield issuer


@pytest.fixture
def sso_app(tmp_path, stub):
    app = create_app({"TESTING": True, "DATABASE_PATH": str(tmp_path / "sso.db"), "RATELIMIT_ENABLED": False,
                      "PUBLIC_BASE_URL": "http://localhost", "OIDC_ISSUER": stub.issuer, "OIDC_CLIENT_ID": CLIENT_ID,
                      "OIDC_CLIENT_SECRET": CLIENT_SECRET, "OIDC_PROVIDER_NAME": "NHS Care Identity"})
    make_user(app, "sam@sheffield.example", "service", SHEFFIELD)
    return app


def _through_provider(client, start="/sign-in/oidc"):
    """Follow the redirects a browser would: to the provider's authorize endpoint, and back to our callback."""
    to_provider = client.get(start)
    assert to_provider.status_code == 302, to_provider.get_data(as_text=True)
    back = requests.get(to_provider.headers["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302
    return client.get(back.headers["Location"].replace("http://localhost", ""))


def test_the_sign_in_page_offers_single_sign_on_when_configured(sso_app, client):
    html = sso_app.test_client().get("/sign-in").get_data(as_text=True)
    assert "Sign in with NHS Care Identity" in html and "/sign-in/oidc" in html
    assert "/sign-in/oidc" not in client.get("/sign-in").get_data(as_text=True)  # the default app: passwords only


def test_a_verified_email_with_a_local_account_signs_in_with_that_accounts_role(sso_app):
    client = sso_app.test_client()
    done = _through_provider(client, "/sign-in/oidc?next=/inbox?status=received")
    assert done.status_code == 303 and done.headers["Location"] == "/inbox?status=received"
    cookie = next(c for c in done.headers.getlist("Set-Cookie") if c.startswith("staff_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    inbox = client.get("/inbox")
    assert inbox.status_code == 200 and "Sheffield IPS Employment Service" in inbox.get_data(as_text=True)


def test_an_email_without_a_local_account_or_unverified_is_refused(sso_app, stub):
    stub.next_user = {"email": "stranger@nhs.example", "email_verified": True}
    refused = _through_provider(sso_app.test_client())
    assert refused.status_code == 403 and "no account here" in refused.get_data(as_text=True)
    stub.next_user = {"email": "sam@sheffield.example", "email_verified": False}
    assert _through_provider(sso_app.test_client()).status_code == 403


@pytest.mark.parametrize("tamper", [{"nonce": "not-the-nonce"}, {"aud": "another-client"},
                                    {"iss": "http://evil.example"}, {"exp": 1_000_000}])
def test_an_id_token_that_cannot_be_trusted_is_refused(sso_app, stub, tamper):
    stub.tamper = tamper
    client = sso_app.test_client()
    assert _through_provider(client).status_code == 401
    assert client.get("/inbox").status_code == 303  # not signed in


def test_an_id_token_signed_by_another_key_is_refused(sso_app, stub):
    stub.key = RSAKey.generate_key(2048, parameters={"kid": "stub-1", "use": "sig", "alg": "RS256"})
    real_jwks = stub.app.view_functions["jwks"]
    other = RSAKey.generate_key(2048, parameters={"kid": "stub-1", "use": "sig", "alg": "RS256"})
    stub.app.view_functions["jwks"] = lambda: {"keys": [other.as_dict(private=False)]}
    try:
        assert _through_provider(sso_app.test_client()).status_code == 401
    finally:
        stub.app.view_functions["jwks"] = real_jwks


def test_a_callback_not_started_in_this_browser_or_used_twice_is_refused(sso_app):
    client = sso_app.test_client()
    to_provider = client.get("/sign-in/oidc")
    back = requests.get(to_provider.headers["Location"], allow_redirects=False, timeout=10)
    callback = back.headers["Location"].replace("http://localhost", "")
    stranger = sso_app.test_client()  # no state cookie: a link sent to someone else
    assert stranger.get(callback).status_code == 400
    assert client.get(callback).status_code == 400  # the state was used up by the attempt above


def test_the_provider_saying_no_is_shown_plainly(sso_app):
    response = sso_app.test_client().get("/sign-in/oidc/callback?error=access_denied&state=x")
    assert response.status_code == 401 and "cancelled or refused" in response.get_data(as_text=True)


def test_without_settings_single_sign_on_is_not_found(client):
    assert client.get("/sign-in/oidc").status_code == 404
