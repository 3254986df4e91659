"""One error shape everywhere (CONTRACT.md):

    {"error": {"code": "...", "message": "...", "fields": {"fact": ["why"]}}}

Expected errors are ApiError subclasses raised anywhere; they are mapped to status codes here, in
one place. Anything unexpected becomes a 500 in the same shape, with no stack trace in the body.
"""

from __future__ import annotations

import logging
import traceback

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from .db import ReadOnly, StorageBusy, StorageFull, StorageUnavailable, storage_error

log = logging.getLogger(__name__)


class ApiError(Exception):
    status = 400
    code = "bad_request"
    message = "The request could not be understood."

    def __init__(self, message: str | None = None, *, fields: dict | None = None, headers: dict | None = None,
                 extra: dict | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.fields = fields or {}
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict:
        error = {"code": self.code, "message": self.message, "fields": self.fields}
        error.update(self.extra)
        return {"error": error}


class InvalidJson(ApiError):
    code = "invalid_json"
    message = "The body must be a valid JSON object (UTF-8)."


class ValidationFailed(ApiError):
    code = "validation_error"
    message = "Some fields are not valid."


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"
    message = "A valid bearer token is required."

    def __init__(self, message: str | None = None, **kwargs):
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="referral-service"'})
        super().__init__(message, **kwargs)


class Forbidden(ApiError):
    status = 403
    code = "forbidden"
    message = "Your token does not allow this."


class NotFound(ApiError):
    status = 404
    code = "not_found"
    message = "Not found."


class Conflict(ApiError):
    status = 409
    code = "conflict"
    message = "The request conflicts with the current state."


class Unprocessable(ApiError):
    status = 422
    code = "unprocessable"
    message = "The request is valid but cannot be carried out."


class ServiceUnavailable(ApiError):
    status = 503
    code = "service_unavailable"
    message = "The service is busy. Please try again shortly."

    def __init__(self, message: str | None = None, retry_after: int = 2, **kwargs):
        kwargs.setdefault("headers", {"Retry-After": str(retry_after)})
        super().__init__(message, **kwargs)


class DomainError(Exception):
    """A refusal raised by the domain (e.g. ``referrals/errors.py``), which knows nothing of HTTP.

    ``kind`` says what sort of refusal it is; ``DOMAIN_STATUS`` below maps it to a status code, once.
    """

    kind = "refused"
    code = "refused"

    def __init__(self, message: str, *, fields: dict | None = None, **details):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.details = details

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields, **self.details}}


# The one place where a domain refusal becomes a status code.
DOMAIN_STATUS = {"invalid": 400, "not_found": 404, "conflict": 409, "refused": 422}


# Werkzeug's HTTP errors, mapped to our codes and plain messages.
_HTTP_CODES = {
    400: ("bad_request", "The request could not be understood."),
    401: ("unauthorized", "A valid bearer token is required."),
    403: ("forbidden", "Your token does not allow this."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "That method is not allowed here."),
    413: ("payload_too_large", "The body is too large (the limit is 64 KiB)."),
    415: ("unsupported_media_type", "Send the body as JSON."),
    429: ("rate_limited", "Too many requests. Please wait a moment and try again."),
}


def error_response(status: int, code: str, message: str, fields: dict | None = None, headers: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def storage_error_response(error: Exception):
    """A clear 503 for a database that is busy, full, read-only or unreachable; None for any other error.

    The database layer raises our own storage errors (``db.StorageBusy`` …); a driver error that reached
    here some other way is classified by the same layer. Nothing is half-written in these cases: each
    write is one transaction, rolled back on error, so the client can safely retry (same Idempotency-Key).
    """
    error = storage_error(error)
    if isinstance(error, StorageBusy):
        log.warning("database_busy")
        return error_response(503, "service_busy", "The service is busy. Nothing was saved; please try again shortly.",
                              headers={"Retry-After": "2"})
    if isinstance(error, StorageFull):
        log.error("database_full")
        return error_response(503, "storage_full", "We cannot save anything right now (storage is full). Nothing was "
                              "saved; please try again later or phone the service.", headers={"Retry-After": "300"})
    if isinstance(error, ReadOnly):
        log.warning("database_read_only")
        return error_response(503, "read_only", "The service is in read-only maintenance. Nothing was saved; please "
                              "try again later.", headers={"Retry-After": "300"})
    if isinstance(error, StorageUnavailable):
        log.error("database_unavailable")
        return error_response(503, "service_unavailable", "We cannot reach our records right now. Nothing was saved; "
                              "please try again shortly.", headers={"Retry-After": "5"})
    return None


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        response = jsonify(error.body())
        response.status_code = error.status
        for name, value in error.headers.items():
            response.headers[name] = value
        return response

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        response = jsonify(error.body())
        response.status_code = DOMAIN_STATUS.get(error.kind, 422)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        code, message = _HTTP_CODES.get(error.code or 500, ("http_error", error.name))
        headers = {}
        if error.code == 405 and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        if error.code == 429:
            headers["Retry-After"] = "60"
        return error_response(error.code or 500, code, message, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        storage = storage_error_response(error)
        if storage is not None:
            return storage
        # Log the type and where it happened, never the message: it can carry personal data.
        where = "".join(traceback.format_tb(error.__traceback__)[-3:])
        log.error("unhandled_error", extra={"error_type": type(error).__name__, "where": where})
        return error_response(500, "internal_error", "Something went wrong on our side. Please try again.")
