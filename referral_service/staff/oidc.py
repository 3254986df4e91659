"""Single sign-on by OpenID Connect (authorization code flow with PKCE), as a configured alternative to
passwords: NHS CIS2 Authentication and Microsoft Entra ID are OpenID Connect providers.

Set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET (and register ``<PUBLIC_BASE_URL>/sign-in/oidc/callback``
as the redirect URI with the provider). The provider proves who the person is; what they may do still
comes from their local account (``referral-service users create --no-password …``): a verified email
that matches no account is refused, so a provider's whole directory does not get in.

Authlib makes the token request (client_secret_basic, PKCE S256); joserfc checks the ID token's
signature against the provider's published keys, and we check its issuer, audience, expiry and nonce.
The state, nonce and PKCE verifier are kept server-side for 10 minutes and used once; the browser
holds the state in an HttpOnly cookie too, so a callback is only accepted in the browser that started it.
"""

from __future__ import annotations

import hmac
import logging
import time
from urllib.parse import urlencode

import requests
from flask import Blueprint, current_app, redirect, request, url_for

from ..db import get_db, write_transaction
from ..storage import audit, users
from . import error_pages, sessions

log = logging.getLogger(__name__)
bp = Blueprint("staff_oidc", __name__)
error_pages.html_errors(bp)

COOKIE = "staff_oidc_state"
LOGIN_SECONDS = 600
LEEWAY_SECONDS = 60
HTTP_TIMEOUT = 10
_discovery_cache: dict[str, tuple[float, dict]] = {}
DISCOVERY_TTL = 3600


class SignOnFailed(Exception):
    """The provider's answer could not be trusted or used; the message is safe to show."""


def enabled() -> bool:
    config = current_app.config
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID") and config.get("OIDC_CLIENT_SECRET"))


def discovery(issuer: str) -> dict:
    """The provider's metadata (cached for an hour), checked to be for the issuer configured."""
    cached = _discovery_cache.get(issuer)
    if cached and time.monotonic() - cached[0] < DISCOVERY_TTL:
        return cached[1]
    response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=HTTP_TIMEOUT)
    response.raise_for_status()
    metadata = response.json()
    if metadata.get("issuer", "").rstrip("/") != issuer:
        raise SignOnFailed("The sign-in provider's settings do not match the issuer configured.")
    _discovery_cache[issuer] = (time.monotonic(), metadata)
    return metadata


def _redirect_uri() -> str:
    return current_app.config["PUBLIC_BASE_URL"] + url_for("staff_oidc.callback")


@bp.route("/sign-in/oidc")
def start():
    """Send the browser to the provider to sign in."""
    if not enabled():
        return error_pages.render(404, "Single sign-on is not set up for this service.")
    config = current_app.config
    try:
        metadata = discovery(config["OIDC_ISSUER"])
    except (requests.RequestException, ValueError, SignOnFailed):
        log.warning("oidc_discovery_failed")
        return error_pages.render(503, "The single sign-on provider cannot be reached just now. Try again, or sign in "
                                       "with your email and password.")
    # Authlib and joserfc (with cryptography) are imported when single sign-on is used: a noticeable part of every start.
    from authlib.common.security import generate_token
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    db = get_db()
    with write_transaction(db):
        users.save_oidc_login(db, state, nonce, verifier, sessions.safe_next(request.args.get("next"), "") or None)
    query = urlencode({
        "response_type": "code", "client_id": config["OIDC_CLIENT_ID"], "redirect_uri": _redirect_uri(),
        "scope": config["OIDC_SCOPES"], "state": state, "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256",
    })
    response = redirect(f"{metadata['authorization_endpoint']}?{query}", code=302)
    response.set_cookie(COOKIE, state, max_age=LOGIN_SECONDS, httponly=True, samesite="Lax",
                        secure=sessions.cookie_secure(), path="/sign-in/oidc")
    return response


def _verified_claims(metadata: dict, id_token: str, nonce: str) -> dict:
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    config = current_app.config
    keys = requests.get(metadata["jwks_uri"], timeout=HTTP_TIMEOUT)
    keys.raise_for_status()
    try:
        token = jwt.decode(id_token, KeySet.import_key_set(keys.json()),
                           algorithms=metadata.get("id_token_signing_alg_values_supported") or ["RS256"])
    except (JoseError, ValueError) as error:
        raise SignOnFailed("The sign-in provider's answer could not be verified.") from error
    claims = token.claims
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    now = time.time()
    if claims.get("iss", "").rstrip("/") != config["OIDC_ISSUER"] or config["OIDC_CLIENT_ID"] not in audiences:
        raise SignOnFailed("The sign-in provider's answer was not meant for this service.")
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] < now - LEEWAY_SECONDS:
        raise SignOnFailed("The sign-in took too long. Please try again.")
    if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise SignOnFailed("The sign-in provider's answer did not match this sign-in. Please try again.")
    return claims


@bp.route("/sign-in/oidc/callback")
def callback():
    """Where the provider sends the browser back: check everything, then sign in to the matching local account."""
    if not enabled():
        return error_pages.render(404, "Single sign-on is not set up for this service.")
    if request.args.get("error"):
        return error_pages.render(401, "Sign-in was cancelled or refused by the provider. You can try again, or sign in "
                                       "with your email and password.")
    state = request.args.get("state", "")
    cookie_state = request.cookies.get(COOKIE, "")
    db = get_db()
    with write_transaction(db):
        pending = users.take_oidc_login(db, state, LOGIN_SECONDS) if state else None
    if pending is None or not cookie_state or not hmac.compare_digest(state, cookie_state):
        return error_pages.render(400, "This sign-in link has expired or was not started in this browser. Start again "
                                       "from the sign-in page.")
    config = current_app.config
    try:
        metadata = discovery(config["OIDC_ISSUER"])
        from authlib.integrations.requests_client import OAuth2Session

        client = OAuth2Session(config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"],
                               token_endpoint_auth_method="client_secret_basic", timeout=HTTP_TIMEOUT)
        token = client.fetch_token(metadata["token_endpoint"], grant_type="authorization_code",
                                   code=request.args.get("code", ""), redirect_uri=_redirect_uri(),
                                   code_verifier=pending["code_verifier"])
        if not token.get("id_token"):
            raise SignOnFailed("The sign-in provider did not say who you are.")
        claims = _verified_claims(metadata, token["id_token"], pending["nonce"])
    except SignOnFailed as error:
        log.warning("oidc_rejected")
        return error_pages.render(401, str(error))
    except Exception:  # the provider's errors (HTTP, OAuth) are many kinds; none may become a 500 page
        log.warning("oidc_token_failed")
        return error_pages.render(401, "Sign-in with the provider did not complete. Please try again, or sign in with "
                                       "your email and password.")
    email = claims.get("email") or ""
    account = users.find_by_email(db, email) if email and claims.get("email_verified") is True else None
    if account is None or account["disabled_at"] is not None:
        audit.record(db, actor=None, role=None, action="staff.sign_in_oidc", outcome="no_matching_account")
        return error_pages.render(403, "You signed in with the provider, but there is no account here for that "
                                       "verified email address. Ask your service's administrator to add you.")
    audit.record(db, actor=account["id"], role=account["role"], action="staff.sign_in_oidc",
                 service_id=account["service_id"])
    user = sessions.StaffUser(id=account["id"], email=account["email"], role=account["role"],
                              service_id=account["service_id"], csrf_token="", session_hash="")
    response = redirect(sessions.safe_next(pending["next_path"], sessions.home_for(user)), code=303)
    sessions.start(response, account["id"], via="oidc")
    response.delete_cookie(COOKIE, path="/sign-in/oidc")
    return response

