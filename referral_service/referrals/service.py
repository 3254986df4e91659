"""Creating and handling referrals: the rules decide eligibility, the directory decides routing.

The web layer hands in clean values (from the schemas) and the caller's principal; this module
raises the domain refusals of ``referrals/errors.py`` (NotEligible, NoLocalService, …), each with a
message a person can act on; ``referral_service/errors.py`` maps them to status codes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from consent import CONTACT_TREATMENT_TEAM, GRANTED, REFUSED, SHARE_WITH_SERVICE, SMS_PROMOTIONS, current_wording, wording
from rules import NOT_ELIGIBLE, default_engine, parse_postcode
from rules.directory import Service

from ..db import write_transaction
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..storage import audit, campaigns, consents, referrals
from ..storage.tokens import Principal
from .errors import (
    ChoiceNeeded,
    NoLocalService,
    NoSelfReferral,
    NotEligible,
    OutsideServiceArea,
    PostcodeNeeded,
    WrongPathwayService,
)
from .references import new_reference

log = logging.getLogger(__name__)

SELF_SOURCES = ("self", "sms_campaign")
CLINICIAN_SOURCES = ("clinician", "gp", "voluntary_sector")
IDEMPOTENCY_KEY_MAX = 255


@dataclass(frozen=True)
class Created:
    body: dict
    replayed: bool


# --- routing ---------------------------------------------------------------------------------------

def _national_help(decision: dict, pathway: dict) -> dict:
    """What a person can still do when we cannot route them: the pathway's access route and signposts."""
    return {
        "access_route": pathway["access_route"],
        "signposting": _with_national_signposts(decision["signposting"]),
    }


def _with_national_signposts(signposts: list[dict]) -> list[dict]:
    """The decision's signposts, plus the national ones open to everyone (Access to Work, Jobcentre Plus)."""
    wanted = ("access_to_work", "jobcentre_plus")
    have = {s.get("id") for s in signposts}
    extra = [s.to_dict() for s in default_engine().ruleset.signposts if s.id in wanted and s.id not in have]
    return [*signposts, *extra]


def _alternatives(decision: dict, pathway_id: str) -> list[dict]:
    """Other pathways this person may use that have a local service."""
    return [
        {"pathway": p["id"], "name": p["name"], "status": p["status"],
         "services": [{k: s[k] for k in ("id", "name", "phone", "website")} for s in p["services"]]}
        for p in decision["pathways"]
        if p["id"] != pathway_id and p["status"] != NOT_ELIGIBLE and p["services"]
    ]


def route(decision: dict, pathway: dict, service_id: str | None, facts: dict) -> Service:
    """Pick the service: the one asked for (if it runs this pathway and covers the postcode) or the local one."""
    directory = default_engine().ruleset.directory
    postcode = parse_postcode(facts["postcode"]) if facts.get("postcode") else None
    local = directory.services_for(pathway["id"], postcode) if postcode else []
    if service_id is not None:
        service = directory.service(service_id)
        if service is None:
            raise ValidationFailed(fields={"service_id": [f"There is no service with the id {service_id!r}."]})
        if service.pathway != pathway["id"]:
            raise WrongPathwayService(f"{service.name} does not provide {pathway['name']}.",
                           services=[_service_summary(s) for s in local])
        if postcode is not None and not service.covers_postcode(postcode):
            raise OutsideServiceArea(
                f"{service.name} does not cover the postcode given. Choose a service that covers it.",
                services=[_service_summary(s) for s in local])
        return service
    if postcode is None:
        raise PostcodeNeeded(
            "We need a postcode (home or GP) to find the local service. Add facts.postcode, or choose a "
            "service with service_id.",
            fields={"facts.postcode": ["Needed to find the local service."]},
            **_national_help(decision, pathway))
    if not local:
        raise NoLocalService(
            f"There is no {pathway['name']} service in our directory for this postcode. "
            "The other help below is open to everyone, and your GP can advise on local support.",
            **_national_help(decision, pathway), alternatives=_alternatives(decision, pathway["id"]))
    if len(local) > 1:
        raise ChoiceNeeded("More than one service covers this postcode for this pathway: choose one with service_id.",
                           services=[_service_summary(s) for s in local])
    return local[0]


def _service_summary(service: Service) -> dict:
    return {"id": service.id, "name": service.name, "phone": service.phone, "website": service.website}


# --- creating a referral ---------------------------------------------------------------------------

def _source(principal: Principal | None, requested: str | None, campaign_id: str | None) -> str:
    if principal is None:
        source = requested or ("sms_campaign" if campaign_id else "self")
        if source not in SELF_SOURCES:
            raise ValidationFailed(fields={"source": [
                "Without a token this is a self-referral: source may be 'self' or 'sms_campaign'."]})
        return source
    source = requested or "clinician"
    if source not in CLINICIAN_SOURCES:
        raise ValidationFailed(fields={"source": [
            f"A clinician referral's source is one of {', '.join(CLINICIAN_SOURCES)}."]})
    return source


def _request_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _next_steps(service: Service, self_referral: bool) -> str:
    who = "you" if self_referral else "the person"
    return (
        f"{service.name} will contact {who} by phone, usually within 5 working days, to talk about work "
        f"and what support would help. Questions before then: call {service.phone} or visit {service.website}. "
        "Keep the reference number. If you are in crisis, call 999 or NHS 111 (option 2) - do not wait."
        if self_referral else
        f"{service.name} will contact the person by phone, usually within 5 working days. The referral "
        f"reference is shown above; the service's number is {service.phone}."
    )


def create_referral(db: sqlite_utils.Database, data: dict, principal: Principal | None,
                    idempotency_key: str | None) -> Created:
    """Check, route and store a referral with its consents, exactly once per idempotency key."""
    if principal is not None and principal.role != "clinician":
        raise Forbidden("Referrals are made by the person themselves (no token) or with a clinician token.")
    if idempotency_key is not None and not (0 < len(idempotency_key) <= IDEMPOTENCY_KEY_MAX
                                             and idempotency_key.isprintable()):
        raise ValidationFailed(fields={"Idempotency-Key": [f"Use 1 to {IDEMPOTENCY_KEY_MAX} printable characters."]})
    engine = default_engine()
    consent_answers = data["consents"]
    if consent_answers.get("share_with_service") is not True:
        raise ValidationFailed(
            "We can only send a referral if the person agrees to share what they told us with the service.",
            fields={"consents.share_with_service": ["Must be true: the person's consent to share with the service."]},
        )
    self_referral = principal is None
    if self_referral and consent_answers.get("contact_treatment_team") is not None:
        raise ValidationFailed(fields={"consents.contact_treatment_team": [
            "After a self-referral the service asks separately about contacting the treatment team."]})
    pathway_id = data["pathway"]
    if engine.ruleset.pathway(pathway_id) is None:
        raise ValidationFailed(fields={"pathway": [f"Must be one of {', '.join(engine.ruleset.pathway_ids)}."]})
    source = _source(principal, data.get("source"), data.get("campaign_id"))
    if data.get("campaign_id") and source != "sms_campaign":
        raise ValidationFailed(fields={"campaign_id": ["Only an sms_campaign self-referral has a campaign."]})
    version = data.get("consent_wording_version")
    if version is not None and wording(SHARE_WITH_SERVICE, version) is None:
        raise ValidationFailed(fields={"consent_wording_version": ["Unknown wording version."]})

    facts = {k: v for k, v in (data.get("facts") or {}).items() if v is not None}
    decision = engine.evaluate(facts)
    facts = decision["facts"]
    pathway = next(p for p in decision["pathways"] if p["id"] == pathway_id)
    if pathway["status"] == NOT_ELIGIBLE:
        reasons = [r for r in pathway["reasons"] if r["outcome"] == "not_met"]
        raise NotEligible(f"From what we were told, {pathway['name']} is not the right service: "
                          + " ".join(r["explanation"] for r in reasons),
                          reasons=reasons, alternatives=_alternatives(decision, pathway_id),
                          signposting=_with_national_signposts(decision["signposting"]))
    service = route(decision, pathway, data.get("service_id"), facts)
    if data.get("campaign_id") and not campaigns.credits_service(db, data["campaign_id"], service.id):
        raise ValidationFailed(fields={"campaign_id": [f"Not a campaign of {service.name}, the service this referral "
                                                       "goes to: a referral is credited only to its own campaigns."]})
    if self_referral and not service.accepts_self_referral:
        # Never just refused: the access route and the service's phone (DOMAIN 'Corrections'; rules 1.1.0).
        how = (f"{service.name} does not take self-referrals. How to be referred: {pathway['access_route']} "
               f"You can also call {service.name} on {service.phone} to ask how.")
        raise NoSelfReferral(how, how_to_refer=how,
                             access_route=pathway["access_route"], service=_service_summary(service),
                             signposting=_with_national_signposts(decision["signposting"]))

    scope = principal.token_id if principal else "public"
    request_hash = _request_hash({"scope": scope, **data})
    person = data["person"]
    # One writer per idempotency key (two instances given the same retry must agree on one referral);
    # referrals without a key take no lock beyond their own rows on PostgreSQL.
    key = f"referral:{scope}:{idempotency_key}" if idempotency_key is not None else None
    with write_transaction(db, exclusive=key is not None, key=key):
        if idempotency_key is not None:
            earlier = referrals.find_idempotent(db, scope, idempotency_key)
            if earlier is not None:
                if earlier["request_hash"] != request_hash:
                    raise Conflict(
                        "This Idempotency-Key was already used for a different request. Use a new key for a "
                        "new referral, or resend exactly the same request to get the same answer.",
                        extra={"reason": "idempotency_key_reused"},
                    )
                return Created(earlier["response"], replayed=True)
        reference = new_reference(pathway_id)
        while referrals.reference_exists(db, reference):
            reference = new_reference(pathway_id)
        referrals.insert_referral(db, {
            "reference": reference, "pathway": pathway_id, "service_id": service.id, "source": source,
            "campaign_id": data.get("campaign_id"), "phone_e164": person["phone"],
            "first_name": person.get("first_name"), "facts": _with_own_words(facts, data.get("answers_in_own_words")),
            "summary": data.get("summary"),
            "eligibility_status": pathway["status"], "ruleset_version": decision["ruleset_version"],
            "referrer_token_id": principal.token_id if principal else None,
            "referrer_role": principal.role if principal else None,
        })
        method = data.get("consent_method") or ("web_chat" if self_referral else "clinician")
        recorded_by = principal.token_id if principal else "self"
        subject = consents.referral_subject(reference)
        _record(db, subject, SHARE_WITH_SERVICE, GRANTED, method, recorded_by, service.id, reference, version)
        if consent_answers.get(CONTACT_TREATMENT_TEAM) is not None:
            _record(db, subject, CONTACT_TREATMENT_TEAM, GRANTED if consent_answers[CONTACT_TREATMENT_TEAM] else REFUSED,
                    method, recorded_by, service.id, reference, None)
        if consent_answers.get(SMS_PROMOTIONS) is not None:
            _record(db, consents.phone_subject(person["phone"]), SMS_PROMOTIONS,
                    GRANTED if consent_answers[SMS_PROMOTIONS] else REFUSED, method, recorded_by, service.id,
                    reference, version)  # the channel's own SMS wording when it has one (else the current)
        audit.record(db, actor=principal.token_id if principal else None, role=principal.role if principal else None,
                     action="referral.create", target=reference, service_id=service.id)
        body = {
            "reference": reference, "pathway": pathway_id, "status": "received",
            "service": _service_summary(service), "next_steps": _next_steps(service, self_referral),
            "source": source,
        }
        if idempotency_key is not None:
            referrals.save_idempotent(db, scope, idempotency_key, request_hash, reference, body)
    log.info("referral_created", extra={"reference": reference, "pathway": pathway_id, "service_id": service.id,
                                        "source": source, "eligibility_status": pathway["status"]})
    return Created(body, replayed=False)


def _with_own_words(facts: dict, words: dict | None) -> dict:
    """The facts, with the person's own words for those they typed kept beside them under ``_words``."""
    kept = {name: text for name, text in (words or {}).items() if name in facts and text}
    return {**facts, "_words": kept} if kept else facts


def _record(db, subject, purpose, decision, method, recorded_by, service_id, reference, version) -> None:
    shown = wording(purpose, version) if version else None
    shown = shown or current_wording(purpose)
    # The record keeps the exact words the person saw: the chosen service's name filled in where the
    # wording names it (the chat's and the form's wording say "{chosen_service_name}").
    service = default_engine().ruleset.directory.service(service_id)
    text = shown.text.replace("{chosen_service_name}", service.name) if service else shown.text
    consents.record_consent(
        db, subject=subject, purpose=purpose, decision=decision, method=method, recorded_by=recorded_by,
        wording_version=shown.version, wording_text=text, service_id=service_id, referral_reference=reference,
    )


# --- reading and the workflow ----------------------------------------------------------------------

def may_see(principal: Principal, referral: dict) -> bool:
    """Admins see all; a service sees its own; a clinician sees the referrals they made."""
    if principal.role == "admin":
        return True
    if principal.role == "service":
        return principal.may_see_service(referral["service_id"])
    if principal.role == "clinician":
        return referral["referrer_token_id"] == principal.token_id
    return False


def load_for(db: sqlite_utils.Database, reference: str, principal: Principal, action: str) -> dict:
    """The referral if this principal may see it; 404 otherwise (another service's referral is not revealed)."""
    referral = referrals.get_referral(db, reference)
    if referral is None or not may_see(principal, referral):
        audit.record(db, actor=principal.token_id, role=principal.role, action=action, target=reference,
                     outcome="not_found")
        raise NotFound("No referral with that reference that you can see.")
    return referral


def load_for_change(db: sqlite_utils.Database, reference: str, principal: Principal, action: str) -> dict:
    """The referral this principal may change: 404 for one it may not see, 409 once it is anonymised.

    Call it before opening the write transaction, so that a refusal's audit row is kept (inside the
    transaction it would be rolled back with the refused write). The storage functions re-read the row
    inside the transaction, so the check cannot go stale.
    """
    referral = load_for(db, reference, principal, action)
    if referral["anonymised_at"] is not None:
        audit.record(db, actor=principal.token_id, role=principal.role, action=action, target=reference,
                     service_id=referral["service_id"], outcome="anonymised")
        raise Conflict("This referral has been anonymised under the retention policy.")
    return referral


def sharing_allowed(db: sqlite_utils.Database, referral: dict):
    return consents.current_consent(db, consents.referral_subject(referral["reference"]), SHARE_WITH_SERVICE,
                                    referral["service_id"])


def view(db: sqlite_utils.Database, referral: dict, *, detail: bool) -> dict:
    """The referral as the API shows it. The person's details are withheld once sharing consent is withdrawn."""
    service = default_engine().ruleset.directory.service(referral["service_id"])
    body: dict[str, Any] = {
        "reference": referral["reference"],
        "pathway": referral["pathway"],
        "status": referral["status"],
        "source": referral["source"],
        "campaign_id": referral["campaign_id"],
        "service": _service_summary(service) if service else {"id": referral["service_id"]},
        "eligibility_status": referral["eligibility_status"],
        "created_at": referral["created_at"],
        "updated_at": referral["updated_at"],
        "accessed_at": referral["accessed_at"],
        "finished_at": referral["finished_at"],
        "anonymised": referral["anonymised_at"] is not None,
        "assigned_staff_id": referral.get("assigned_staff_id"),
    }
    if not detail:
        return body
    sharing = sharing_allowed(db, referral)
    body["sharing"] = {"allowed": sharing.allowed, "reason": sharing.reason}
    if sharing.allowed and referral["anonymised_at"] is None:
        body["person"] = {"first_name": referral["first_name"], "phone": referral["phone_e164"]}
        body["facts"] = referral["facts"]
        body["summary"] = referral["summary"]
    else:
        body["person"] = None
        body["facts"] = None
        body["summary"] = None
    body["referrer"] = {"role": referral["referrer_role"] or "self", "source": referral["source"]}
    body["events"] = referrals.events(db, referral["reference"])
    # After access: milestones, engagement and jobs (with the sustainment points each has reached).
    from .after_access import outcome_view

    outcomes = outcome_view(db, referral)
    body["outcomes"] = {key: outcomes[key] for key in ("milestones", "engaged", "engaged_on", "jobs")}
    body["consents"] = consents.consent_state(db, consents.referral_subject(referral["reference"]))
    return body
