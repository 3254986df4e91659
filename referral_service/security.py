"""Security headers on every response (pages, docs and API alike).

The /docs page loads its scripts from /docs/assets (same origin) but swagger-ui sets inline styles
and uses data: images, hence ``style-src 'unsafe-inline'`` and ``img-src data:``; scripts stay
same-origin only.

Answers and pages can carry personal and health data (the tracker, the chat's answers, /check, /self-referral,
reports, referral reads, the staff pages), so nothing is stored by a browser or a proxy (``no-store``) unless a
route says otherwise, as the static assets do.

Behind a reverse proxy (``PROXY_FIX=N``: trust N proxies' X-Forwarded-For/-Proto/-Host/-Port, Werkzeug's
ProxyFix), the client address rate limits key on is the real client's, and a request that reached the proxy
over https is answered with Strict-Transport-Security. Without PROXY_FIX the forwarded headers are ignored,
since anyone could send them.
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Two years, the HSTS preload list's minimum (NCSC and GOV.UK service manual: serve HTTPS with HSTS).
HSTS = "max-age=63072000; includeSubDomains"


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)

    # (name, lower-case name, value): a view that needs a different policy sets its own, which is kept. Static
    # assets set their own Cache-Control (Flask's "no-cache" revalidation, the docs' max-age); everything else
    # may carry personal data, hence no-store.
    defaults = [(name, name.lower(), value) for name, value in {**HEADERS, "Cache-Control": "no-store"}.items()]

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        # The names already set, read once (setdefault would scan every header once per default).
        present = {name.lower() for name in headers.keys()}
        for name, key, value in defaults:
            if key not in present:
                headers.add(name, value)
        if request.is_secure and "strict-transport-security" not in present:
            headers.add("Strict-Transport-Security", HSTS)
        return response
