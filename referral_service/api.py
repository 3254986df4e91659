"""The OpenAPI layer (flask-smorest): one Api, a strict JSON parser, and the docs pages.

Every JSON body goes through ``StrictJsonParser``: it must be sent as ``application/json`` (else 415 —
a page on another site cannot then post through its visitors' browsers without a CORS preflight), be UTF-8
JSON and an object, and hold only real text: a lone surrogate (``"\ud800"``) or a control character other
than tab and line breaks, anywhere in a key or a string, is a 400 here, once, for every endpoint.
Validation errors become our one error shape.
"""

from __future__ import annotations

import json
import re
from typing import Any

import marshmallow as ma
from flask import Blueprint as FlaskBlueprint
from flask import Flask, Response, send_from_directory
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser

from .errors import ApiError, InvalidJson, ValidationFailed

MAX_JSON_DEPTH = 32
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls but tab, line feed and carriage return; DEL; C1 controls (NUL, bell, escape sequences…).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"
    message = "Send the body as JSON, with the header Content-Type: application/json."


def is_json_mimetype(mimetype: str) -> bool:
    """application/json, or a JSON-based type like application/problem+json."""
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """Decode a request body that must be one JSON object; raise InvalidJson with a plain reason."""
    if not raw.strip():
        raise InvalidJson("The body is empty; send a JSON object.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidJson("The body is not valid UTF-8.") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError):
        raise InvalidJson("The body is not valid JSON.") from None
    except RecursionError:
        raise InvalidJson("The JSON is nested too deeply.") from None
    if not isinstance(data, dict):
        raise InvalidJson("The body must be a JSON object, like {\"age\": 34}.")
    if _depth(data) > MAX_JSON_DEPTH:
        raise InvalidJson("The JSON is nested too deeply.")
    problems = dict(_text_problems(data, ""))
    if problems:
        raise ValidationFailed("Some text is not valid.", fields=problems)
    return data


def _text_problems(value: Any, path: str):
    """(field path, [why]) for every key or string that is not real text; the depth is already bounded."""
    if isinstance(value, str):
        why = _why_not_text(value)
        if why:
            yield path or "_body", [why]
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            why = _why_not_text(key)
            if why:
                # The key itself cannot be echoed back as a field name: it is not text.
                yield (f"{path}._key" if path else "_key"), [why]
                continue
            yield from _text_problems(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _text_problems(item, f"{path}.{index}" if path else str(index))


def _why_not_text(text: str) -> str | None:
    if _LONE_SURROGATE.search(text):
        return "Contains a lone surrogate (like \\ud800), which is not a character."
    if _CONTROL.search(text):
        return "Must not contain control characters (like NUL); tabs and line breaks are fine."
    return None


def _reject_constant(name: str):
    raise ValueError(f"{name} is not allowed in JSON")


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_JSON_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


class StrictJsonParser(FlaskParser):
    """webargs parser that reads JSON bodies strictly and raises our ValidationFailed."""

    DEFAULT_VALIDATION_STATUS = 400

    def _raw_load_json(self, req):
        raw = req.get_data(cache=True)
        if raw.strip() and not is_json_mimetype(req.mimetype):
            raise UnsupportedMediaType()
        return parse_json_object(raw)

    def handle_error(self, error: ma.ValidationError, req, schema, *, error_status_code, error_headers):
        messages = error.messages
        if isinstance(messages, dict) and set(messages) == {"json"}:
            messages = messages["json"]
        if isinstance(messages, dict) and "_schema" in messages and len(messages) == 1:
            raise InvalidJson("The body must be a JSON object.")
        fields = messages if isinstance(messages, dict) else {"_body": messages}
        raise ValidationFailed(fields=_flatten(fields))


def _flatten(messages: dict) -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into {"field" or "field.sub": ["why", ...]}."""
    flat: dict[str, list[str]] = {}
    for name, value in messages.items():
        if isinstance(value, dict):
            for sub, why in _flatten(value).items():
                flat[f"{name}.{sub}"] = why
        elif isinstance(value, list):
            flat[str(name)] = [str(v) for v in value]
        else:
            flat[str(name)] = [str(value)]
    return flat


class _Api(Api):
    """flask-smorest's Api, documenting our error shape for its default error responses."""

    from .schemas import ErrorResponseSchema as ERROR_SCHEMA  # noqa: N811


class Blueprint(SmorestBlueprint):
    """A flask-smorest Blueprint that parses JSON bodies strictly and documents each operation's security.

    An operation behind ``auth.require_role`` needs the bearer token (so "Authorize" in /docs sends it and
    "Try it out" works); the other /api/ operations take it optionally (a token changes what some do,
    e.g. a clinician referral).
    """

    ARGUMENTS_PARSER = StrictJsonParser()

    def arguments(self, schema, *, location="json", **kwargs):
        """flask-smorest's ``arguments``; a JSON body also documents the 415 for a body not sent as JSON."""
        decorator = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return decorator
        from .schemas import ErrorResponseSchema

        def decorate(func):
            return self.alt_response(415, schema=ErrorResponseSchema,
                                     description="The body was not sent as application/json")(decorator(func))

        return decorate

    def _store_endpoint_docs(self, endpoint, obj, parameters, tags, **options):
        super()._store_endpoint_docs(endpoint, obj, parameters, tags, **options)
        roles = required_roles(obj)
        if roles:
            security = [{"bearer": []}]
        elif (self.url_prefix or "").startswith("/api/"):
            security = [{}, {"bearer": []}]
        else:
            return
        for method, doc in self._docs[endpoint].items():
            if method != "parameters":
                doc.setdefault("manual_doc", {}).setdefault("security", security)
                if roles:
                    doc["manual_doc"].setdefault("x-roles", list(roles))


def required_roles(view) -> tuple[str, ...]:
    """The roles an ``auth.require_role`` wrapper somewhere in the view's decorator chain asks for, or ()."""
    seen = 0
    while view is not None and seen < 32:
        code = getattr(view, "__code__", None)
        if code is not None and code.co_qualname.startswith("require_role.") and "roles" in code.co_freevars:
            return tuple(view.__closure__[code.co_freevars.index("roles")].cell_contents)
        view, seen = getattr(view, "__wrapped__", None), seen + 1
    return ()


def _enum_by_name(converter, field, **kwargs) -> dict:
    """List the allowed values of pathway, referral status and contact channel fields that the schemas
    validate in code (the rules or the workflow) rather than with a marshmallow OneOf."""
    if "enum" in field.metadata or not isinstance(field, ma.fields.String):
        return {}
    from rules import default_engine

    from .storage.referrals import CONTACT_CHANNELS, STATUSES

    owner = type(field.parent).__module__ if field.parent is not None else ""
    values: list = []
    if field.name == "pathway":
        values = list(default_engine().ruleset.pathway_ids)
    elif field.name == "status" and owner.endswith("referrals.schemas"):
        values = list(STATUSES)
    elif field.name == "channel" and owner.endswith("referrals.schemas"):
        values = list(CONTACT_CHANNELS)
    if not values:
        return {}
    # A nullable field's enum must list null too, or null fails validation against the schema.
    return {"enum": values + ([None] if field.allow_none else [])}


def _swagger_ui_dir() -> str:
    import swagger_ui_bundle

    return swagger_ui_bundle.swagger_ui_path


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>API docs — NHS employment support referrals</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<style>
/* Swagger UI's own colours fail WCAG 2.2 AA contrast: darker ones with the same meaning (NHS.UK palette). */
.swagger-ui .info .title small { background: #4c6272; }
.swagger-ui .info .title small.version-stamp { background: #007f3b; }
.swagger-ui .info a.url, .swagger-ui .info a { color: #005eb8; }
.swagger-ui .btn.authorize { color: #007f3b; border-color: #007f3b; }
.swagger-ui .btn.authorize svg { fill: #007f3b; }
.swagger-ui .opblock.opblock-post .opblock-summary-method { background: #007f3b; }
.swagger-ui .opblock.opblock-get .opblock-summary-method { background: #005eb8; }
.swagger-ui .opblock.opblock-put .opblock-summary-method { background: #8a4b00; }
.swagger-ui .opblock.opblock-delete .opblock-summary-method { background: #b3261e; }
.swagger-ui .opblock.opblock-patch .opblock-summary-method { background: #00695c; }
.swagger-ui .btn.cancel { color: #b3261e; border-color: #b3261e; }
.swagger-ui .btn.execute { background: #005eb8; border-color: #005eb8; }
.swagger-ui .parameter__in, .swagger-ui .parameter__type, .swagger-ui .parameter__deprecated,
.swagger-ui .prop-format, .swagger-ui .renderedMarkdown p { color: #4c6272; }
</style></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/docs-init.js"></script>
</body></html>"""

# deepLinking off: its links inside each operation's button are nested controls that screen readers and axe reject.
DOCS_INIT = ("window.ui = SwaggerUIBundle({url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: false, "
             "persistAuthorization: true});\n"
             # Swagger UI leaves its request-body editor unlabelled and its scrolling examples unreachable by keyboard.
             "new MutationObserver(() => {\n"
             "  document.querySelectorAll('#swagger-ui textarea:not([aria-label])')"
             ".forEach((t) => t.setAttribute('aria-label', 'Request body (JSON)'));\n"
             "  document.querySelectorAll('#swagger-ui .highlight-code > pre:not([tabindex])')"
             ".forEach((p) => p.setAttribute('tabindex', '0'));\n"
             "  document.querySelectorAll('#swagger-ui tr[data-param-name] select:not([aria-label])')"
             ".forEach((s) => s.setAttribute('aria-label', s.closest('tr').dataset.paramName));\n"
             "  document.querySelectorAll('#swagger-ui .close-modal:not([aria-label])')"
             ".forEach((b) => b.setAttribute('aria-label', 'Close'));\n"
             "}).observe(document.getElementById('swagger-ui'), {childList: true, subtree: true});")


def init_app(app: Flask) -> Api:
    app.config.setdefault("API_TITLE", "NHS employment support referral and eligibility service")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "Explained eligibility for the four NHS employment-support pathways, "
                               "consented self-referral and referral, and consented SMS promotion."},
        "components": {"securitySchemes": {"bearer": {
            "type": "http", "scheme": "bearer",
            "description": "An API token from `referral-service tokens create --role clinician|service|admin`."}}},
    })
    api = _Api(app)
    api.ma_plugin.converter.add_attribute_function(_enum_by_name)

    docs = FlaskBlueprint("docs", __name__)

    @docs.get("/docs")
    def docs_page():
        return Response(DOCS_PAGE, mimetype="text/html")

    @docs.get("/docs/assets/docs-init.js")
    def docs_init():
        return Response(DOCS_INIT, mimetype="application/javascript")

    @docs.get("/docs/assets/<path:filename>")
    def docs_assets(filename: str):
        # send_from_directory refuses paths that escape the directory (path traversal).
        return send_from_directory(_swagger_ui_dir(), filename, max_age=3600)

    app.register_blueprint(docs)
    return api
