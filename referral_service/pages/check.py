"""GET/POST /check — the clinician page: the same eligibility check as the API, as a plain form.

Works without JavaScript. The form is posted (not a query string) so that facts about a patient
never land in browser history or access logs.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Blueprint, render_template, request

from rules import default_engine

from ..schemas import facts_schema_class

bp = Blueprint("check_page", __name__)

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


@bp.route("/check", methods=["GET", "POST"])
def check():
    engine = default_engine()
    decision, errors, submitted = None, {}, {}
    if request.method == "POST":
        submitted = _form_to_facts(request.form)
        try:
            facts = facts_schema_class()().load(submitted)
        except ma.ValidationError as error:
            errors = {k: v if isinstance(v, list) else [str(v)] for k, v in error.messages.items()}
        else:
            decision = engine.evaluate(facts)
    status = 400 if errors else 200
    return render_template(
        "check.html",
        vocabulary=engine.vocabulary,
        decision=decision,
        errors=errors,
        submitted=submitted,
        form=request.form,
        status_labels=STATUS_LABELS,
        outcome_labels=OUTCOME_LABELS,
        boolean_choices=BOOLEAN_CHOICES,
        ruleset=engine.ruleset,
        labels={name: fact.label for name, fact in engine.vocabulary.facts.items()},
    ), status


@bp.app_template_filter("enum_choices")
def enum_choices(fact, with_unknown: bool = True) -> list[tuple[str, str]]:
    """Choices for an enum fact: each value with its plain-English label, then (for radios) "Not known"."""
    return [(v, fact.label_of(v)) for v in fact.values] + ([("", "Not known")] if with_unknown else [])
