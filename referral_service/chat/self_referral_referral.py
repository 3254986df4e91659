"""/self-referral pages after "Check your answers": the result, the choice, consent, contact details, texts,
the final send and the confirmation.

The result lists what fits (``eligible``) apart from what might fit (``needs_information``), each with one
"what happens next"; a ``not_eligible`` pathway says which criterion decided it, in the rules' own plain
words, and the right alternative. Consent is shown in full with the chosen service's name filled in, and
the referral records that exact version (consent/wording.py). Texts are offered only for a UK mobile.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, request, session, url_for
from werkzeug.datastructures import MultiDict

from bot import answers
from consent import SHARE_WITH_SERVICE, SMS_PROMOTIONS, wording
from consent.wording import WEB_FORM_PAGES
from rules import ELIGIBLE, NEEDS_INFORMATION, NOT_ELIGIBLE, default_engine

from ..sms.mobiles import is_uk_mobile
from .self_referral import bp, check_typed_words, referral_client, render_page
from .self_referral_journey import ANYTHING_ELSE, OWN_WORDS, Journey, slug

IN_TALKING_THERAPIES = ("waiting", "in_treatment", "recently_discharged")
NATIONAL_SIGNPOSTS = ("access_to_work", "jobcentre_plus")
IPS_EXPLAINED = (
    "IPS means Individual Placement and Support. An employment specialist helps you find a paid job you want, "
    "quickly, and keeps supporting you and your employer once you are in work. It is free, and you do not have "
    "to be 'ready' for work first."
)
YOUNG_PEOPLE = (
    "Young people's services and early intervention teams help younger people with work, training and study. "
    "Ask your GP, your school or college, or your mental health team."
)
THERAPIST = "You are with NHS Talking Therapies: ask your therapist about an Employment Adviser."


# --- the result ----------------------------------------------------------------------------------------

def _ready(journey: Journey):
    """Redirect to the first unanswered question, or None when the answers are complete."""
    following = journey.next_page()
    return redirect(url_for(".question", name=following)) if following else None


def _self_referrable(pathway: dict) -> list[dict]:
    return [s for s in pathway["services"] if s.get("accepts_self_referral")]


def what_happens_next(pathway: dict, facts: dict) -> str:
    """The one next step for a pathway that fits or might fit."""
    in_tt = facts.get("talking_therapies") in IN_TALKING_THERAPIES
    route = pathway.get("referral_route")
    if pathway["available_locally"] is False:
        return (f"There is no {pathway['short_name']} service for your postcode in our directory. "
                f"{pathway['availability']} The other help below is open to everyone.")
    if route is None:
        return pathway["access_route"]
    if route["self_referral"]:
        service = _self_referrable(pathway)[0]
        return f"You can ask {service['name']} to contact you: choose it below."
    call = route["call"][0]
    if pathway["id"] == "talking_therapies_ea" and in_tt:
        return (f"Ask your NHS Talking Therapies therapist for an Employment Adviser. You can also call {call['name']} "
                f"on {call['phone']}.")
    return route["how"]


def alternative(pathway: dict, decision: dict, facts: dict) -> str:
    """What the person can do instead of a pathway that does not fit (issue 9 item 5)."""
    decided = set(pathway["decided_by"])
    statuses = {p["id"]: p["status"] for p in decision["pathways"]}
    age = facts.get("age")
    if "minimum_age" in decided or ("working_age" in decided and age is not None and age < 16):
        return YOUNG_PEOPLE
    if pathway["id"] == "talking_therapies_ea" and "talking_therapies" in decided:
        return ("You can refer yourself to NHS Talking Therapies without seeing a GP, and then ask for an "
                "Employment Adviser.")
    if facts.get("talking_therapies") in IN_TALKING_THERAPIES and pathway["id"] != "talking_therapies_ea" \
            and statuses.get("talking_therapies_ea") != NOT_ELIGIBLE:
        return THERAPIST
    if "wants_paid_work" in decided:
        return "If you change your mind, you can come back at any time."
    return "Access to Work and Jobcentre Plus can help anyone with a health condition find or keep work (below)."


def _other_help(decision: dict, facts: dict) -> list[dict]:
    shown = list(decision["signposting"])
    if facts.get("wants_paid_work") is not False:
        have = {s["id"] for s in shown}
        shown += [s.to_dict() for s in default_engine().ruleset.signposts if s.id in NATIONAL_SIGNPOSTS and s.id not in have]
    return shown


def _options(decision: dict) -> list[dict[str, Any]]:
    """(pathway, service) pairs the person can ask to contact them: pathways that fit or might, local
    services that take self-referrals."""
    return [
        {"value": f"{p['id']}|{s['id']}", "label": f"{p['short_name']}, from {s['name']}", "pathway": p, "service": s}
        for p in decision["pathways"] if p["status"] in (ELIGIBLE, NEEDS_INFORMATION)
        for s in _self_referrable(p)
    ]


def _missing_labels(pathway: dict) -> list[dict[str, str]]:
    vocabulary = default_engine().vocabulary
    return [{"label": vocabulary[f].summary_label or vocabulary[f].label, "href": url_for(".question", name=slug(f))}
            for f in pathway["missing"]]


def _result_context(journey: Journey) -> dict[str, Any]:
    facts = journey.facts
    decision = default_engine().evaluate(facts)
    fits, might, not_fit = [], [], []
    for pathway in decision["pathways"]:
        if pathway["status"] == ELIGIBLE:
            fits.append({"pathway": pathway, "next": what_happens_next(pathway, facts)})
        elif pathway["status"] == NEEDS_INFORMATION:
            might.append({"pathway": pathway, "next": what_happens_next(pathway, facts),
                          "missing": _missing_labels(pathway)})
        else:
            reasons = [r["explanation"] for r in pathway["reasons"] if r["outcome"] == "not_met"]
            not_fit.append({"pathway": pathway, "why": reasons, "instead": alternative(pathway, decision, facts)})
    names_ips = any(x["pathway"]["id"].startswith("ips_") for x in fits + might)
    return {"fits": fits, "might": might, "not_fit": not_fit, "options": _options(decision),
            "other_help": _other_help(decision, facts), "ips_explained": IPS_EXPLAINED if names_ips else None,
            "overlap": decision["overlap"], "ruleset_version": decision["ruleset_version"]}


@bp.get("/self-referral/result")
def result():
    journey = Journey.load(session)
    incomplete = _ready(journey)
    if incomplete:
        return incomplete
    chosen = (journey.state.get("choice") or {}).get("value")
    return render_page("self_referral_result.html", "The support that could help you",
                       form=MultiDict({"choice": chosen} if chosen else {}), back=url_for(".check_answers"),
                       **_result_context(journey))


@bp.post("/self-referral/result")
def choose():
    journey = Journey.load(session)
    incomplete = _ready(journey)
    if incomplete:
        return incomplete
    context = _result_context(journey)
    chosen = next((o for o in context["options"] if o["value"] == request.form.get("choice")), None)
    if chosen is None:
        first = context["options"][0]["value"] if context["options"] else ""
        return render_page("self_referral_result.html", "The support that could help you",
                           errors={"choice": ["Select the support you want to be contacted about"]},
                           targets={"choice": f"choice-{first}"}, form=MultiDict(), back=url_for(".check_answers"),
                           **context)
    journey.state["choice"] = {"value": chosen["value"], "pathway": chosen["pathway"]["id"],
                               "service_id": chosen["service"]["id"], "service_name": chosen["service"]["name"]}
    journey.save(session)
    return redirect(url_for(".consent_page"), code=303)


# --- consent -------------------------------------------------------------------------------------------

def _choice(journey: Journey) -> dict | None:
    return journey.state.get("choice")


def share_wording(service_name: str) -> str:
    """The consent wording shown, with the chosen service's name filled in (the record keeps this text)."""
    return wording(SHARE_WITH_SERVICE, WEB_FORM_PAGES).text.replace("{chosen_service_name}", service_name)


def _consent_page(journey: Journey, errors: dict | None = None, form: MultiDict | None = None):
    choice = _choice(journey)
    paragraphs = share_wording(choice["service_name"]).split("\n\n")
    return render_page("self_referral_consent.html", "Sharing your details", errors=errors,
                       form=form or MultiDict({"consent": journey.state["consent"]} if "consent" in journey.state else {}),
                       paragraphs=paragraphs[:-1], question=paragraphs[-1], targets={"consent": "consent-yes"},
                       back=url_for(".result"))


@bp.get("/self-referral/sharing-your-details")
def consent_page():
    journey = Journey.load(session)
    if _choice(journey) is None:
        return redirect(url_for(".result"))
    return _consent_page(journey)


@bp.post("/self-referral/sharing-your-details")
def consent_given():
    journey = Journey.load(session)
    choice = _choice(journey)
    if choice is None:
        return redirect(url_for(".result"), code=303)
    answer = request.form.get("consent")
    if answer not in ("yes", "no"):
        return _consent_page(journey, {"consent": [f"Select yes if we can share your details with {choice['service_name']}"]})
    journey.state["consent"] = answer
    journey.save(session)
    if answer == "no":
        return redirect(url_for(".not_sent"), code=303)
    return redirect(url_for(".contact_details"), code=303)


@bp.get("/self-referral/not-sent")
def not_sent():
    journey = Journey.load(session)
    return render_page("self_referral_not_sent.html", "We have not sent your details", choice=_choice(journey),
                       back=url_for(".consent_page"))


# --- contact details and texts -------------------------------------------------------------------------

CONTACT_ERRORS = {"first_name": "Enter your first name, like Sam",
                  "phone": "Enter a UK phone number they can call you on, like 07700 900123 or 0121 496 0123"}


def _contact_page(journey: Journey, form: MultiDict, errors: dict | None = None):
    return render_page("self_referral_contact.html", "Your contact details", errors=errors, form=form,
                       back=url_for(".consent_page"))


@bp.get("/self-referral/contact-details")
def contact_details():
    journey = Journey.load(session)
    if journey.state.get("consent") != "yes":
        return redirect(url_for(".consent_page" if _choice(journey) else ".result"))
    paused = journey.state.get("paused") or {}
    if paused.get("page") == "contact-details":
        form = MultiDict({k: (v[0] if isinstance(v, list) and v else v) for k, v in paused["form"].items()})
    else:
        form = MultiDict({k: journey.state[k] for k in ("first_name", "phone_typed") if journey.state.get(k)})
        if "phone_typed" in form:
            form["phone"] = form.pop("phone_typed")
    return _contact_page(journey, form)


@bp.post("/self-referral/contact-details")
def contact_given():
    journey = Journey.load(session)
    if journey.state.get("consent") != "yes":
        return redirect(url_for(".result"), code=303)
    form = MultiDict({k: request.form.get(k, "") for k in ("first_name", "phone")})
    stop = check_typed_words(journey, "contact-details", [v for v in form.values() if v], dict(form))
    if stop is not None:
        return stop
    first_name = answers.read_first_name(form["first_name"])
    phone = answers.read_phone(form["phone"])
    errors = {}
    if first_name is None:
        errors["first_name"] = [CONTACT_ERRORS["first_name"]]
    if phone is None:
        errors["phone"] = [CONTACT_ERRORS["phone"]]
    if errors:
        return _contact_page(journey, form, errors)
    journey.state.update(first_name=first_name, phone=phone, phone_typed=form["phone"].strip()[:40])
    journey.state.pop("paused", None)
    if not is_uk_mobile(phone):
        journey.state.pop("sms", None)  # texts are offered only for a mobile number
    journey.save(session)
    return redirect(url_for(".text_messages" if is_uk_mobile(phone) else ".send_page"), code=303)


def _texts_page(journey: Journey, errors: dict | None = None):
    text = wording(SMS_PROMOTIONS, WEB_FORM_PAGES).text
    return render_page("self_referral_texts.html", "Text messages: a separate choice", errors=errors, wording_text=text,
                       form=MultiDict({"sms": journey.state["sms"]} if journey.state.get("sms") else {}),
                       targets={"sms": "sms-yes"}, back=url_for(".contact_details"))


@bp.get("/self-referral/text-messages")
def text_messages():
    journey = Journey.load(session)
    if not is_uk_mobile(journey.state.get("phone")):
        return redirect(url_for(".contact_details"))
    return _texts_page(journey)


@bp.post("/self-referral/text-messages")
def texts_chosen():
    journey = Journey.load(session)
    if not is_uk_mobile(journey.state.get("phone")):
        return redirect(url_for(".contact_details"), code=303)
    choice = request.form.get("sms")
    if choice not in ("yes", "no"):
        return _texts_page(journey, {"sms": ["Select yes if the NHS can send you text messages about work support"]})
    journey.state["sms"] = choice
    journey.save(session)
    return redirect(url_for(".send_page"), code=303)


# --- send and confirmation -----------------------------------------------------------------------------

def _ready_to_send(journey: Journey) -> bool:
    state = journey.state
    mobile = is_uk_mobile(state.get("phone"))
    return bool(_choice(journey) and state.get("consent") == "yes" and state.get("first_name") and state.get("phone")
                and (state.get("sms") in ("yes", "no") or not mobile))


@bp.get("/self-referral/send")
def send_page():
    journey = Journey.load(session)
    if journey.state.get("referral"):
        return redirect(url_for(".confirmation"))
    if not _ready_to_send(journey):
        return redirect(url_for(".contact_details"))
    state = journey.state
    rows = [
        {"label": "Support", "value": _choice(journey)["service_name"], "href": url_for(".result")},
        {"label": "First name", "value": state["first_name"], "href": url_for(".contact_details")},
        {"label": "Phone number", "value": state.get("phone_typed") or state["phone"], "href": url_for(".contact_details")},
    ]
    if is_uk_mobile(state["phone"]):
        rows.append({"label": "Text messages", "value": "Yes" if state["sms"] == "yes" else "No",
                     "href": url_for(".text_messages")})
    back = url_for(".text_messages" if is_uk_mobile(state["phone"]) else ".contact_details")
    return render_page("self_referral_send.html", "Send your details", rows=rows, back=back)


def _summary(journey: Journey) -> str:
    """What a specialist reads first: each answer as the person saw it, their own words beside their conditions."""
    vocabulary = default_engine().vocabulary
    parts = ["Self-referral through the NHS web form (no JavaScript)."]
    for fact_name, value in journey.facts.items():
        fact = vocabulary[fact_name]
        shown = ", ".join(fact.answer_label(v) for v in value) if isinstance(value, list) else (
            fact.answer_label(value) if fact.type in ("boolean", "enum") else str(value))
        line = f"{fact.summary_label or fact.label}: {shown}"
        own = journey.value(OWN_WORDS) if fact_name == "conditions" else None
        parts.append(line + (f' (in their words: "{own}")' if own else "") + ".")
    if journey.unsure:
        parts.append("Not sure: " + ", ".join((vocabulary[f].summary_label or vocabulary[f].label).lower()
                                             for f in journey.unsure) + ".")
    other = journey.value(ANYTHING_ELSE)
    if other:
        parts.append(f'Anything else they wanted to tell the service: "{other}"')
    return "\n".join(parts)[:2000]


@bp.post("/self-referral/send")
def send():
    journey = Journey.load(session)
    if journey.state.get("referral"):  # a double click or a resubmit: the same referral
        return redirect(url_for(".confirmation"), code=303)
    if not _ready_to_send(journey):
        return redirect(url_for(".contact_details"), code=303)
    state, choice = journey.state, _choice(journey)
    consents: dict[str, Any] = {"share_with_service": True}
    if is_uk_mobile(state["phone"]):
        consents["sms_promotions"] = state["sms"] == "yes"
    payload = {
        "pathway": choice["pathway"], "facts": journey.facts, "service_id": choice["service_id"],
        "person": {"first_name": state["first_name"], "phone": state["phone"]}, "consents": consents,
        "source": "self", "summary": _summary(journey), "consent_method": "self_service",
        "consent_wording_version": WEB_FORM_PAGES,
    }
    response = referral_client().create_referral(payload, f"form-{state['id']}")
    if not response.created:
        return render_page("self_referral_not_sent.html", "We could not send your details", choice=choice,
                           problem=response.error_message, back=url_for(".result"), status=422)
    state["referral"] = {k: response.body.get(k) for k in ("reference", "service", "next_steps")}
    journey.save(session)
    return redirect(url_for(".confirmation"), code=303)


@bp.get("/self-referral/confirmation")
def confirmation():
    journey = Journey.load(session)
    referral = journey.state.get("referral")
    if not referral:
        return redirect(url_for(".start"))
    return render_page("self_referral_done.html", "Your details have been sent", referral=referral)
