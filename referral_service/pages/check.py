"""GET/POST /check — the clinician page: the same eligibility check as the API, as a plain form.

Works without JavaScript. The form is posted (not a query string) so that facts about a patient
never land in browser history or access logs. After a check the page opens on a summary ("Eligible
for 2 of 4: …"), then the details of each pathway, then the answers to change.

A signed-in clinician can then refer the patient (POST /check/refer): the consent wording is shown
in full to read to the patient, the clinician records that the patient agreed, and the referral is
made by the same service function as ``POST /api/v1/referrals`` with a clinician token.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import marshmallow as ma
from flask import Blueprint, redirect, render_template, request, url_for

from consent import SHARE_WITH_SERVICE, current_wording
from rules import NOT_ELIGIBLE, default_engine

from ..db import get_db
from ..errors import DOMAIN_STATUS, ApiError, DomainError
from ..referrals import service as referral_service
from ..referrals.schemas import ReferralRequestSchema
from ..schemas import facts_schema_class
from ..staff import csrf, error_pages
from ..staff.sessions import current_user, require_staff

bp = Blueprint("check_page", __name__)
error_pages.html_errors(bp)

STATUS_LABELS = {
    "eligible": ("Can use this service", "nhsuk-tag--green"),
    "not_eligible": ("Not for this person", "nhsuk-tag--grey"),
    "needs_information": ("Need more information", "nhsuk-tag--yellow"),
}
OUTCOME_LABELS = {"met": "Met", "not_met": "Not met", "unknown": "Not known yet"}
BOOLEAN_CHOICES = [("yes", "Yes"), ("no", "No"), ("", "Not known")]


def _form_to_facts(form) -> dict[str, Any]:
    """Turn form values into JSON-typed facts; an empty answer means unknown and is left out."""
    vocabulary = default_engine().vocabulary
    facts: dict[str, Any] = {}
    for name, fact in vocabulary.facts.items():
        if fact.type == "enum_list":
            values = [v for v in form.getlist(name) if v]
            if values:
                facts[name] = values
            continue
        value = (form.get(name) or "").strip()
        if value == "":
            continue
        if fact.type == "boolean":
            facts[name] = {"yes": True, "no": False}.get(value, value)
        elif fact.type == "integer":
            facts[name] = int(value) if value.lstrip("-").isdigit() else value
        else:
            facts[name] = value
    return facts


def summary_of(decision: dict) -> dict:
    """The headline over the results: how many pathways fit, and which, in each status."""
    by_status: dict[str, list[dict]] = {"eligible": [], "needs_information": [], "not_eligible": []}
    for pathway in decision["pathways"]:
        by_status.setdefault(pathway["status"], []).append(pathway)
    total = len(decision["pathways"])
    eligible = by_status["eligible"]
    if eligible:
        headline = f"Eligible for {len(eligible)} of {total}: " + ", ".join(p["short_name"] for p in eligible)
    elif by_status["needs_information"]:
        headline = f"Not yet known for {len(by_status['needs_information'])} of {total}: more information needed"
    else:
        headline = f"Not eligible for any of the {total}"
    return {"headline": headline, "by_status": by_status, "total": total}


def _render_check(decision: dict | None, errors: dict, submitted: dict, status: int = 200):
    engine = default_engine()
    user = current_user()
    facts_json = json.dumps(decision["facts"], sort_keys=True) if decision else ""
    return render_template(
        "check.html",
        vocabulary=engine.vocabulary,
        decision=decision,
        summary=summary_of(decision) if decision else None,
        errors=errors,
        submitted=submitted,
        form=request.form,
        status_labels=STATUS_LABELS,
        outcome_labels=OUTCOME_LABELS,
        boolean_choices=BOOLEAN_CHOICES,
        ruleset=engine.ruleset,
        labels={name: fact.label for name, fact in engine.vocabulary.facts.items()},
        may_refer=user is not None and user.role == "clinician",
        signed_in=user is not None,
        facts_json=facts_json,
    ), status


@bp.route("/check", methods=["GET", "POST"])
def check():
    decision, errors, submitted = None, {}, {}
    if request.method == "POST":
        submitted = _form_to_facts(request.form)
        try:
            facts = facts_schema_class()().load(submitted)
        except ma.ValidationError as error:
            errors = {k: v if isinstance(v, list) else [str(v)] for k, v in error.messages.items()}
        else:
            decision = default_engine().evaluate(facts)
    return _render_check(decision, errors, submitted, 400 if errors else 200)


@bp.app_template_filter("enum_choices")
def enum_choices(fact, with_unknown: bool = True) -> list[tuple[str, str]]:
    """Choices for an enum fact: each value with its plain-English label, then (for radios) "Not known"."""
    return [(v, fact.label_of(v)) for v in fact.values] + ([("", "Not known")] if with_unknown else [])


# --- refer this patient ----------------------------------------------------------------------------

def _facts_from_hidden(raw: str) -> dict:
    """The facts the check was made with, carried in the form; validated again like any input."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ma.ValidationError({"facts": ["The answers were lost: check the patient again."]})
    return facts_schema_class()().load({k: v for k, v in data.items() if v is not None})


def _render_refer(facts: dict, pathway: dict, errors: dict | None = None, message: str | None = None, status: int = 200):
    wording = current_wording(SHARE_WITH_SERVICE)
    return render_template(
        "check_refer.html", pathway=pathway, facts_json=json.dumps(facts, sort_keys=True), errors=errors or {},
        message=message, form=request.form, wording=wording,
        idempotency_key=request.form.get("idempotency_key") or secrets.token_urlsafe(16),
    ), status


@bp.route("/check/refer", methods=["POST"])
@require_staff("clinician")
@csrf.protect
def refer():
    """Step 1 (``step=start``): the consent wording and the patient's details. Step 2 (``confirm``): the referral."""
    try:
        facts = _facts_from_hidden(request.form.get("facts_json", ""))
    except ma.ValidationError:
        return redirect(url_for("check_page.check"), code=303)
    decision = default_engine().evaluate(facts)
    pathway = next((p for p in decision["pathways"] if p["id"] == request.form.get("pathway")), None)
    if pathway is None or pathway["status"] == NOT_ELIGIBLE:
        return error_pages.render(422, "From the answers given, the patient cannot be referred to that support. "
                                       "Check the patient again.")
    if request.form.get("step") != "confirm":
        return _render_refer(decision["facts"], pathway)

    errors: dict[str, list[str]] = {}
    if request.form.get("consent_share") != "yes":
        errors["consent_share"] = ["Confirm that you read this to the patient and they agreed, or do not refer them."]
    team = request.form.get("consent_team")
    data = {
        "pathway": pathway["id"],
        "facts": decision["facts"],
        "person": {"first_name": (request.form.get("first_name") or "").strip() or None,
                   "phone": (request.form.get("phone") or "").strip()},
        "consents": {"share_with_service": True, **({"contact_treatment_team": team == "yes"} if team in ("yes", "no")
                                                      else {})},
        "service_id": request.form.get("service_id") or None,
        "summary": (request.form.get("summary") or "").strip() or None,
        "source": "clinician",
        "consent_method": "clinician",
    }
    try:
        clean = ReferralRequestSchema().load(data)
    except ma.ValidationError as error:
        for name, problems in _flatten(error.messages).items():
            errors.setdefault(_FORM_FIELDS.get(name, name), []).extend(problems)
        clean = None
    if errors:
        return _render_refer(decision["facts"], pathway, errors, status=400)
    user = current_user()
    try:
        created = referral_service.create_referral(get_db(), clean, user.principal, request.form.get("idempotency_key"))
    except (ApiError, DomainError) as error:
        status = error.status if isinstance(error, ApiError) else DOMAIN_STATUS.get(error.kind, 422)
        fields = {_FORM_FIELDS.get(k, k): v for k, v in (error.fields or {}).items()}
        return _render_refer(decision["facts"], pathway, fields, message=error.message, status=status)
    return redirect(url_for("staff_inbox.referral_page", reference=created.body["reference"], done="referred"), code=303)


_FORM_FIELDS = {"person.phone": "phone", "person.first_name": "first_name", "service_id": "service_id",
                "summary": "summary", "consents.share_with_service": "consent_share"}


def _flatten(messages: dict, prefix: str = "") -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    for name, value in messages.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(_flatten(value, key + "."))
        else:
            flat[key] = [str(v) for v in (value if isinstance(value, list) else [value])]
    return flat
