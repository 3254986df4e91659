"""Errors on the staff pages as NHS.UK pages (the JSON API keeps its JSON error shape).

Registered per blueprint, so only requests to the staff pages get HTML: a 404 for another service's
referral, a 409 for a move the workflow does not allow (with what it does allow), a 400 for a form
without its CSRF token.
"""

from __future__ import annotations

import logging

from flask import Blueprint, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import DOMAIN_STATUS, ApiError, DomainError

log = logging.getLogger(__name__)

TITLES = {400: "There is a problem with that form", 403: "You cannot see this page", 404: "Page not found",
          405: "That did not work", 409: "That change cannot be made", 413: "That file is too large",
          422: "That cannot be done", 429: "Too many requests"}


def render(status: int, message: str, fields: dict | None = None):
    return render_template("staff/error.html", status=status, title=TITLES.get(status, "Sorry, there is a problem"),
                           message=message, fields=fields or {}, back=request.referrer), status


def html_errors(bp: Blueprint) -> None:
    @bp.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return render(error.status, error.message, error.fields)

    @bp.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        return render(DOMAIN_STATUS.get(error.kind, 422), error.message, error.fields)

    @bp.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return render(error.code or 500, error.description or error.name)
