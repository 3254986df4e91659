"""GET/POST /self-referral — the same self-referral as the web chat, as a plain form (no JavaScript).

Step 1 collects the facts and shows the options; step 2 shows the consent text in full and takes
the choice, name, phone and the separate SMS choice; the referral is made through the same public
endpoint the bot uses. Posted, never in a query string, so answers stay out of history and logs.
"""

from __future__ import annotations

import json
from typing import Any

import marshmallow as ma
from flask import Blueprint, current_app, render_template, request

from bot import answers
from bot.safety import detect_risk
from consent import SHARE_WITH_SERVICE, SMS_PROMOTIONS, WEB_FORM, wording
from rules import default_engine

from ..schemas import facts_schema_class
from .client import InProcessReferralClient

bp = Blueprint("self_referral_page", __name__, template_folder="templates")

YES_NO_FACTS = ("drug_alcohol_treatment", "right_to_work_uk", "other_dwp_employment_programme",
                "in_secondary_mental_health_care")
ENUM_LABELS = {
    "employment_status": [("out_of_work", "I am not working"), ("in_work", "I am working"),
                          ("in_work_off_sick", "I have a job but I am off sick")],
    "talking_therapies": [("none", "No"), ("waiting", "I am waiting to start"), ("in_treatment", "Yes, I am having it now"),
                          ("recently_discharged", "I finished it not long ago")],
}
CONDITION_LABELS = [
    ("anxiety", "Anxiety"), ("depression", "Depression"), ("severe_depression", "Severe depression"),
    ("psychosis", "Psychosis or schizophrenia"), ("bipolar", "Bipolar disorder"),
    ("personality_disorder", "Personality disorder"), ("eating_disorder", "Eating disorder"),
    ("complex_mental_health", "Other complex mental health needs"), ("physical_health", "A physical health condition"),
    ("none", "None of these"),
]


def _facts_from_form(form) -> tuple[dict[str, Any], dict[str, list[str]]]:
    facts: dict[str, Any] = {"wants_paid_work": form.get("wants_paid_work") != "no"}
    errors: dict[str, list[str]] = {}
    if form.get("wants_paid_work") not in ("yes", "no"):
        errors["wants_paid_work"] = ["Choose yes or no."]
    conditions = [c for c in form.getlist("conditions") if c]
    if conditions:
        facts["conditions"] = conditions
    for name in YES_NO_FACTS:
        if form.get(name) in ("yes", "no"):
            facts[name] = form.get(name) == "yes"
    for name in ENUM_LABELS:
        if form.get(name):
            facts[name] = form.get(name)
    if (form.get("age") or "").strip():
        age = answers.read_age(form.get("age"))
        if age is None:
            errors["age"] = ["Enter your age as a number, like 34."]
        else:
            facts["age"] = age
    if (form.get("postcode") or "").strip():
        postcode = answers.read_postcode(form.get("postcode"))
        if postcode is None:
            errors["postcode"] = ["Enter a UK postcode, like S1 2AB."]
        else:
            facts["postcode"] = postcode
    else:
        errors["postcode"] = ["Enter your postcode, so we can find services near you."]
    try:
        facts = facts_schema_class()().load(facts)
    except ma.ValidationError as error:
        errors.update({k: v if isinstance(v, list) else [str(v)] for k, v in error.messages.items()})
    return facts, errors


def _options(decision: dict[str, Any]) -> list[dict[str, Any]]:
    options = []
    for pathway in decision["pathways"]:
        if pathway["status"] not in ("eligible", "needs_information"):
            continue
        services = [s for s in pathway["services"] if s.get("accepts_self_referral")]
        options.append({"pathway": pathway, "service": services[0] if services else None,
                        "other_services": pathway["services"]})
    return options


@bp.route("/self-referral", methods=["GET", "POST"])
def self_referral():
    engine = default_engine()
    step = request.form.get("step", "facts") if request.method == "POST" else "facts"
    context: dict[str, Any] = {"form": request.form, "errors": {}, "condition_labels": CONDITION_LABELS,
                               "enum_labels": ENUM_LABELS, "step": "facts", "risk": False,
                               "share_wording": wording(SHARE_WITH_SERVICE, WEB_FORM).text,
                               "sms_wording": wording(SMS_PROMOTIONS, WEB_FORM).text}
    if request.method == "GET":
        return render_template("chat/self_referral.html", **context)
    if any(detect_risk(v) for v in request.form.values()):
        context["risk"] = True
    if step == "facts":
        facts, errors = _facts_from_form(request.form)
        context["errors"] = errors
        if errors:
            return render_template("chat/self_referral.html", **context), 400
        decision = engine.evaluate(facts)
        context.update(step="choose", decision=decision, options=_options(decision), facts_json=json.dumps(facts))
        return render_template("chat/self_referral.html", **context)

    # step == "refer"
    try:
        facts = facts_schema_class()().load(json.loads(request.form.get("facts") or "{}"))
    except (ValueError, ma.ValidationError):
        context["errors"] = {"facts": ["Your answers were lost. Please start again."]}
        return render_template("chat/self_referral.html", **context), 400
    decision = engine.evaluate(facts)
    options = _options(decision)
    context.update(step="choose", decision=decision, options=options, facts_json=json.dumps(facts))
    errors: dict[str, list[str]] = {}
    chosen = next((o for o in options if o["service"] and o["pathway"]["id"] == request.form.get("pathway")), None)
    if chosen is None:
        errors["pathway"] = ["Choose the support you want."]
    if request.form.get("consent_share_with_service") != "yes":
        errors["consent_share_with_service"] = ["Tick the box to agree, or call us instead."]
    first_name = answers.read_first_name(request.form.get("first_name"))
    if first_name is None:
        errors["first_name"] = ["Enter your first name, like Sam."]
    phone = answers.read_phone(request.form.get("phone"))
    if phone is None:
        errors["phone"] = ["Enter a UK phone number, like 07700 900123."]
    if errors:
        context["errors"] = errors
        return render_template("chat/self_referral.html", **context), 400
    payload = {
        "pathway": chosen["pathway"]["id"], "facts": facts, "service_id": chosen["service"]["id"],
        "person": {"first_name": first_name, "phone": phone},
        "consents": {"share_with_service": True, "sms_promotions": request.form.get("consent_sms") == "yes"},
        "source": "self", "summary": "Self-referral through the NHS web form (no chat).",
        "consent_method": "web_chat", "consent_wording_version": WEB_FORM,
    }
    key = request.form.get("form_id") or None
    client = current_app.config.get("BOT_REFERRAL_CLIENT") or InProcessReferralClient(current_app._get_current_object())
    response = client.create_referral(payload, f"form-{key}" if key else _random_key())
    if not response.created:
        context["errors"] = {"pathway": [response.error_message or "We could not send your details. Please call us."]}
        return render_template("chat/self_referral.html", **context), 422
    context.update(step="done", referral=response.body)
    return render_template("chat/self_referral.html", **context), 201


def _random_key() -> str:
    import secrets

    return secrets.token_hex(16)


@bp.app_template_global("new_form_id")
def new_form_id() -> str:
    """A random id per form shown, so a double-submitted form makes one referral."""
    return _random_key()
