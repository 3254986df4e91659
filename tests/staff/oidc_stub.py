"""A tiny OpenID Connect provider for tests: discovery, JWKS, authorize and token, with a real RS256-signed
ID token. It signs in whoever the test says (``stub.next_user``), like a provider after its own login page.
It checks what a real provider checks: the client's secret, the redirect URI, the code (once) and PKCE."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "referral-service-test"
CLIENT_SECRET = "stub-client-secret"


class StubIssuer:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "stub-1", "use": "sig", "alg": "RS256"})
        self.next_user = {"email": "sam@sheffield.example", "email_verified": True}
        self.tamper: dict = {}  # claims to override in the next ID token (wrong nonce, audience…)
        self.codes: dict[str, dict] = {}
        self.app = self._build()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()

    def _build(self) -> Flask:
        app = Flask("oidc_stub")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify({"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                            "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                            "response_types_supported": ["code"], "id_token_signing_alg_values_supported": ["RS256"],
                            "code_challenge_methods_supported": ["S256"]})

        @app.get("/jwks")
        def jwks():
            return jsonify({"keys": [self.key.as_dict(private=False)]})

        @app.get("/authorize")
        def authorize():
            args = request.args
            assert args["client_id"] == CLIENT_ID and args["response_type"] == "code"
            assert args["code_challenge_method"] == "S256"
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"redirect_uri": args["redirect_uri"], "nonce": args["nonce"],
                                "challenge": args["code_challenge"], "user": dict(self.next_user)}
            return redirect(f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args['state']})}")

        @app.post("/token")
        def token():
            auth = request.authorization
            if auth is None or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET):
                return jsonify({"error": "invalid_client"}), 401
            grant = self.codes.pop(request.form.get("code", ""), None)
            if grant is None or grant["redirect_uri"] != request.form.get("redirect_uri"):
                return jsonify({"error": "invalid_grant"}), 400
            verifier = request.form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge != grant["challenge"]:
                return jsonify({"error": "invalid_grant", "error_description": "PKCE"}), 400
            now = int(time.time())
            claims = {"iss": self.issuer, "aud": CLIENT_ID, "sub": "user-" + grant["user"]["email"], "iat": now,
                      "exp": now + 300, "nonce": grant["nonce"], **grant["user"], **self.tamper}
            id_token = jwt.encode({"alg": "RS256", "kid": "stub-1"}, claims, self.key)
            return jsonify({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                            "id_token": id_token})

        return app
